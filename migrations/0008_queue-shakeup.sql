ALTER TABLE "competitions" ADD COLUMN "auto_finals" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "progress_done" integer;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "progress_total" integer;--> statement-breakpoint
CREATE INDEX "submissions_active_idx" ON "submissions" USING btree ("status","created_at","id") WHERE "submissions"."status" in ('queued', 'running');--> statement-breakpoint
CREATE INDEX "submissions_finished_idx" ON "submissions" USING btree ("finished_at") WHERE "submissions"."status" = 'scored';
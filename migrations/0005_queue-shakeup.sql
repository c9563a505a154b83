ALTER TABLE "competitions" ADD COLUMN "auto_finals" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "progress_done" integer;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "progress_total" integer;--> statement-breakpoint
CREATE INDEX "submissions_queued_idx" ON "submissions" USING btree ("created_at","id") WHERE "submissions"."status" = 'queued';
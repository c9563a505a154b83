ALTER TABLE "submissions" ALTER COLUMN "bundle_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "competitions" ADD COLUMN "submission_kinds" jsonb DEFAULT '["bundle"]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "kind" text DEFAULT 'bundle' NOT NULL;--> statement-breakpoint
ALTER TABLE "submissions" ADD CONSTRAINT "submissions_kind_check" CHECK (("submissions"."kind" = 'bundle' and "submissions"."bundle_id" is not null) or ("submissions"."kind" = 'predictions' and "submissions"."bundle_id" is null));
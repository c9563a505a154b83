CREATE TABLE "bundles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"competition_id" uuid NOT NULL,
	"team_id" uuid NOT NULL,
	"sha256" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"manifest" jsonb NOT NULL,
	"blob_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "competitions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"classes" integer NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"daily_limit" integer NOT NULL,
	"finals" integer DEFAULT 2 NOT NULL,
	"public_fraction" double precision NOT NULL,
	"split_seed" integer NOT NULL,
	"dataset_sha256" text NOT NULL,
	"dataset_dir" text NOT NULL,
	"public_items" integer NOT NULL,
	"private_items" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "competitions_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "submissions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"competition_id" uuid NOT NULL,
	"team_id" uuid NOT NULL,
	"bundle_id" uuid NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"attempt" integer DEFAULT 0 NOT NULL,
	"idempotency_key" text,
	"job_id" text,
	"lease_token" text,
	"error_code" text,
	"error_message" text,
	"error_is_infra" boolean DEFAULT false NOT NULL,
	"public_accuracy" double precision,
	"public_correct" integer,
	"public_total" integer,
	"private_accuracy" double precision,
	"private_correct" integer,
	"private_total" integer,
	"member_scores" jsonb,
	"selected_final" boolean DEFAULT false NOT NULL,
	"output_key" text,
	"images_per_second" double precision,
	"runtime" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "submissions_status_check" CHECK ("submissions"."status" in ('queued', 'running', 'scored', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "teams" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"competition_id" uuid NOT NULL,
	"name" text NOT NULL,
	"members" jsonb NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "teams_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "test_items" (
	"competition_id" uuid NOT NULL,
	"item_id" text NOT NULL,
	"position" integer NOT NULL,
	"image_path" text NOT NULL,
	"label" integer NOT NULL,
	"split" text NOT NULL,
	CONSTRAINT "test_items_competition_id_item_id_pk" PRIMARY KEY("competition_id","item_id"),
	CONSTRAINT "test_items_split_check" CHECK ("test_items"."split" in ('public', 'private'))
);
--> statement-breakpoint
ALTER TABLE "bundles" ADD CONSTRAINT "bundles_competition_id_competitions_id_fk" FOREIGN KEY ("competition_id") REFERENCES "public"."competitions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bundles" ADD CONSTRAINT "bundles_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "submissions" ADD CONSTRAINT "submissions_competition_id_competitions_id_fk" FOREIGN KEY ("competition_id") REFERENCES "public"."competitions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "submissions" ADD CONSTRAINT "submissions_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "submissions" ADD CONSTRAINT "submissions_bundle_id_bundles_id_fk" FOREIGN KEY ("bundle_id") REFERENCES "public"."bundles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "teams" ADD CONSTRAINT "teams_competition_id_competitions_id_fk" FOREIGN KEY ("competition_id") REFERENCES "public"."competitions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "test_items" ADD CONSTRAINT "test_items_competition_id_competitions_id_fk" FOREIGN KEY ("competition_id") REFERENCES "public"."competitions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "bundles_team_sha256_idx" ON "bundles" USING btree ("team_id","sha256");--> statement-breakpoint
CREATE UNIQUE INDEX "submissions_team_idempotency_idx" ON "submissions" USING btree ("team_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "submissions_team_created_idx" ON "submissions" USING btree ("team_id","created_at");--> statement-breakpoint
CREATE INDEX "submissions_leaderboard_idx" ON "submissions" USING btree ("competition_id","status","team_id");--> statement-breakpoint
CREATE UNIQUE INDEX "teams_competition_name_idx" ON "teams" USING btree ("competition_id","name");
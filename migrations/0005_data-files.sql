CREATE TABLE "data_files" (
	"competition_id" uuid NOT NULL,
	"name" text NOT NULL,
	"bytes" bigint NOT NULL,
	"sha256" text NOT NULL,
	"blob_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "data_files_competition_id_name_pk" PRIMARY KEY("competition_id","name")
);
--> statement-breakpoint
ALTER TABLE "competitions" ADD COLUMN "hide_test_images" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "data_files" ADD CONSTRAINT "data_files_competition_id_competitions_id_fk" FOREIGN KEY ("competition_id") REFERENCES "public"."competitions"("id") ON DELETE cascade ON UPDATE no action;
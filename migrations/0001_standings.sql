CREATE TABLE "standings" (
	"competition_id" uuid NOT NULL,
	"split" text NOT NULL,
	"team_id" uuid NOT NULL,
	"submission_id" uuid NOT NULL,
	"score" double precision NOT NULL,
	"submitted_at" timestamp with time zone NOT NULL,
	"submissions" integer NOT NULL,
	"last_submission_at" timestamp with time zone,
	CONSTRAINT "standings_competition_id_split_team_id_pk" PRIMARY KEY("competition_id","split","team_id"),
	CONSTRAINT "standings_split_check" CHECK ("standings"."split" in ('public', 'private'))
);
--> statement-breakpoint
ALTER TABLE "competitions" ADD COLUMN "board_version" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "standings" ADD CONSTRAINT "standings_competition_id_competitions_id_fk" FOREIGN KEY ("competition_id") REFERENCES "public"."competitions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "standings" ADD CONSTRAINT "standings_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "standings" ADD CONSTRAINT "standings_submission_id_submissions_id_fk" FOREIGN KEY ("submission_id") REFERENCES "public"."submissions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "standings_board_idx" ON "standings" USING btree ("competition_id","split","score" DESC NULLS LAST,"submitted_at","submission_id");
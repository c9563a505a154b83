DROP INDEX "standings_board_idx";--> statement-breakpoint
CREATE INDEX "standings_team_idx" ON "standings" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "standings_board_idx" ON "standings" USING btree ("competition_id","split","score" DESC NULLS FIRST,"submitted_at","submission_id");
ALTER TABLE "changes" ADD COLUMN "xid" bigint DEFAULT (pg_current_xact_id()::text)::bigint;--> statement-breakpoint
CREATE INDEX "changes_xid_idx" ON "changes" USING btree ("xid");
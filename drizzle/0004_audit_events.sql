CREATE TABLE "audit_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"time" timestamp with time zone DEFAULT now() NOT NULL,
	"audit_id" text NOT NULL,
	"level" text NOT NULL,
	"username" text NOT NULL,
	"uid" text NOT NULL,
	"groups" jsonb NOT NULL,
	"impersonator" text,
	"user_agent" text,
	"verb" text NOT NULL,
	"api_group" text NOT NULL,
	"resource" text NOT NULL,
	"subresource" text NOT NULL,
	"namespace" text NOT NULL,
	"name" text NOT NULL,
	"path" text,
	"decision" text NOT NULL,
	"reason" text NOT NULL,
	"code" integer NOT NULL,
	"annotations" jsonb NOT NULL,
	"request" jsonb
);
--> statement-breakpoint
CREATE INDEX "audit_events_time_idx" ON "audit_events" USING btree ("time");--> statement-breakpoint
CREATE INDEX "audit_events_user_idx" ON "audit_events" USING btree ("username","id");--> statement-breakpoint
CREATE INDEX "audit_events_namespace_idx" ON "audit_events" USING btree ("namespace","id");
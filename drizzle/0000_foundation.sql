CREATE SEQUENCE "public"."resource_version_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "changes" (
	"resource_version" bigint PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"kind" text NOT NULL,
	"namespace" text NOT NULL,
	"name" text NOT NULL,
	"uid" uuid NOT NULL,
	"object" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "objects" (
	"kind" text NOT NULL,
	"namespace" text NOT NULL,
	"name" text NOT NULL,
	"uid" uuid NOT NULL,
	"resource_version" bigint NOT NULL,
	"generation" bigint NOT NULL,
	"creation_timestamp" timestamp with time zone NOT NULL,
	"deletion_timestamp" timestamp with time zone,
	"labels" jsonb NOT NULL,
	"annotations" jsonb NOT NULL,
	"body" jsonb NOT NULL,
	CONSTRAINT "objects_kind_namespace_name_pk" PRIMARY KEY("kind","namespace","name"),
	CONSTRAINT "objects_uid_unique" UNIQUE("uid")
);
--> statement-breakpoint
CREATE INDEX "changes_kind_idx" ON "changes" USING btree ("kind","resource_version");--> statement-breakpoint
CREATE INDEX "objects_labels_idx" ON "objects" USING gin ("labels");
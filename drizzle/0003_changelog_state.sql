CREATE TABLE "changelog_state" (
	"key" text PRIMARY KEY NOT NULL,
	"resource_version" bigint NOT NULL
);

CREATE TABLE `annotations` (
	`image_id` integer PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`class_id` integer,
	`points` text,
	`mask` blob,
	`annotator` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`class_id`) REFERENCES `classes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `annotations_class_idx` ON `annotations` (`class_id`);--> statement-breakpoint
CREATE TABLE `claims` (
	`image_id` integer PRIMARY KEY NOT NULL,
	`annotator` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `claims_annotator_idx` ON `claims` (`annotator`);--> statement-breakpoint
CREATE TABLE `classes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`color` text NOT NULL,
	`position` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `classes_name_unique` ON `classes` (`name`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`image_id` integer NOT NULL,
	`type` text NOT NULL,
	`annotator` text NOT NULL,
	`class_id` integer,
	`predicted_class_id` integer,
	`before` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_image_idx` ON `events` (`image_id`);--> statement-breakpoint
CREATE TABLE `images` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`path` text NOT NULL,
	`width` integer NOT NULL,
	`height` integer NOT NULL,
	`sha256` text NOT NULL,
	`bytes` integer NOT NULL,
	`added_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `images_path_unique` ON `images` (`path`);--> statement-breakpoint
CREATE UNIQUE INDEX `images_sha256_unique` ON `images` (`sha256`);--> statement-breakpoint
CREATE TABLE `metrics` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`step` integer NOT NULL,
	`value` real NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `metrics_name_idx` ON `metrics` (`name`,`step`);--> statement-breakpoint
CREATE TABLE `predictions` (
	`image_id` integer PRIMARY KEY NOT NULL,
	`model_version` integer NOT NULL,
	`class_id` integer,
	`probs` text,
	`map` blob,
	`map_class_ids` text,
	`map_width` integer,
	`map_height` integer,
	`uncertainty` real,
	`at` integer NOT NULL,
	FOREIGN KEY (`image_id`) REFERENCES `images`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `predictions_class_idx` ON `predictions` (`class_id`);--> statement-breakpoint
CREATE INDEX `predictions_unc_idx` ON `predictions` (`uncertainty`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `suggestions` (
	`strategy` text PRIMARY KEY NOT NULL,
	`ids` text NOT NULL,
	`model_version` integer NOT NULL,
	`at` integer NOT NULL
);

CREATE TABLE `counters` (
	`key` text PRIMARY KEY NOT NULL,
	`n` integer NOT NULL
);
--> statement-breakpoint
DROP INDEX `predictions_unc_idx`;--> statement-breakpoint
ALTER TABLE `predictions` ADD `confidence` real;--> statement-breakpoint
CREATE INDEX `predictions_unc_desc_idx` ON `predictions` (uncertainty desc,`image_id`);--> statement-breakpoint
ALTER TABLE `images` ADD `state` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `images` ADD `orientation` integer;--> statement-breakpoint
ALTER TABLE `images` ADD `format` text;--> statement-breakpoint
CREATE INDEX `images_unlabelled_idx` ON `images` (`id`) WHERE state = 0;--> statement-breakpoint
CREATE INDEX `images_random_idx` ON `images` (((id * 2654435761) % 4294967296)) WHERE state = 0;
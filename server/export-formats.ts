// The export formats, their media types and file extensions (GET /api/export, `hilt export`). Which of
// them a session offers is its task's choice (server/tasks/).
export const EXPORT_FORMATS = ['csv', 'jsonl', 'coco', 'masks'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_TYPES: Record<ExportFormat, { type: string; ext: string }> = {
  csv: { type: 'text/csv; charset=utf-8', ext: 'csv' },
  jsonl: { type: 'application/x-ndjson', ext: 'jsonl' },
  coco: { type: 'application/json', ext: 'json' },
  masks: { type: 'application/x-tar', ext: 'tar' },
};

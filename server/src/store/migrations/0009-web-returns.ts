import type { Migration } from './migration.js'

export const migration: Migration = {
  version: 9,
  name: 'web returns',
  // When the browser of a web (H5) flow came back through the kit's return route: the first
  // return is recorded once, so a replayed return changes nothing.
  postgres: `
    ALTER TABLE faceid_tokens ADD COLUMN returned_at timestamptz;
  `,
  sqlite: `
    ALTER TABLE faceid_tokens ADD COLUMN returned_at text;
  `,
}

#!/usr/bin/env node
// Writes the published JSON Schemas (schemas/*.request.json) from the zod request schemas.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { publishedJsonSchemas } from '../lambda/shared/json-schemas';

const directory = path.join(__dirname, '..', 'schemas');
for (const [operation, schema] of Object.entries(publishedJsonSchemas())) {
  const file = path.join(directory, `${operation}.request.json`);
  writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

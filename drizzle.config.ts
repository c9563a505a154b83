// drizzle-kit config: `npx drizzle-kit generate` writes SQL migrations for functions/db/schema.ts into migrations/.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './functions/db/schema.ts',
  out: './migrations',
});

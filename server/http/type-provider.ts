import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';

// Request types come from the routes' JSON schemas (`as const`), so a schema and its type cannot disagree.
// Replies may carry Dates where the schema says `date-time`: the serialiser writes them as ISO text.

export type SchemaTypes = JsonSchemaToTsProvider<{
  SerializerSchemaOptions: {
    deserialize: [
      { pattern: { type: 'string'; format: 'date-time' }; output: Date | string },
      { pattern: { type: readonly ['string', 'null']; format: 'date-time' }; output: Date | string | null },
    ];
  };
}>;

export const typed = (app: FastifyInstance) => app.withTypeProvider<SchemaTypes>();

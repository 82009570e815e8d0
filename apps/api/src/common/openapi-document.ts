import { type INestApplication, RequestMethod } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import type { NextFunction, Request, Response } from 'express';
import { PROBLEM_CONTENT_TYPE, problem } from '#libs/platform';
import { PROBLEM_SCHEMA } from './openapi';

/**
 * The OpenAPI document (/openapi.json) as the API behaves: the constraints class-validator enforces
 * stated on every DTO field, unknown fields refused (`additionalProperties: false`, as the validation
 * pipe's forbidNonWhitelisted), the one `Problem` schema, and the platform's probes described as they
 * answer.
 */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const validated = documentValidation();
  declareDefaultSuccess(app);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Fieldline API')
      .setDescription('Dispatch and tracking: jobs, technicians, tenants. Errors are application/problem+json (RFC 9457).')
      .setVersion('1')
      .addBearerAuth()
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, 'api-key')
      .build(),
  );
  const schemas = (document.components ??= {}).schemas ??= {};
  schemas.Problem = structuredClone(PROBLEM_SCHEMA) as never;
  for (const name of validated) {
    const schema = schemas[name] as { type?: string; additionalProperties?: boolean; required?: string[]; properties?: Record<string, Schema> } | undefined;
    if (!schema || schema.type !== 'object') continue;
    schema.additionalProperties = false;
    // the validation pipe drops nulls: an optional field may be null ("not given")
    for (const [property, value] of Object.entries(schema.properties ?? {})) {
      if (schema.required?.includes(property)) continue;
      schema.properties![property] = value.$ref ? { allOf: [value], nullable: true } : { ...value, nullable: true };
    }
  }
  // combinations the services check, which no field states: linking names exactly one target
  // (given and not null: null means absent)
  const given = (field: string) => ({ required: [field], properties: { [field]: { type: 'string' } } });
  if (schemas.LinkDeviceDto) Object.assign(schemas.LinkDeviceDto, { oneOf: [given('technicianId'), given('assetId')] });
  describeProbes(document);
  return document;
}

// ----- class-validator → schema ------------------------------------------------------------------

type Schema = Record<string, unknown>;
const MODEL_PROPERTIES = 'swagger/apiModelProperties';
const MODEL_PROPERTIES_ARRAY = 'swagger/apiModelPropertiesArray';
const API_RESPONSE = 'swagger/apiResponse';
const NUL_FREE = '^[^\\u0000]*$';

/** A validator's constraint as a JSON Schema keyword (on the value, or on each item with `each`). */
function keywordsOf(name: string | undefined, constraints: unknown[]): Schema | undefined {
  const [first, second] = constraints as [unknown, unknown];
  switch (name) {
    case 'matches':
      return { type: 'string', pattern: (first instanceof RegExp ? first : new RegExp(String(first), second as string | undefined)).source };
    case 'minLength':
      return { minLength: first };
    case 'maxLength':
      return { maxLength: first };
    case 'min':
      return { minimum: first };
    case 'max':
      return { maximum: first };
    case 'isPositive':
      return { minimum: 0, exclusiveMinimum: true };
    case 'isInt':
      return { type: 'integer' };
    case 'isNumber':
      return { type: 'number' };
    case 'isLatitude':
      return { type: 'number', minimum: -90, maximum: 90 };
    case 'isLongitude':
      return { type: 'number', minimum: -180, maximum: 180 };
    case 'isBoolean':
      return { type: 'boolean' };
    case 'isString':
      return { type: 'string' };
    case 'isEmail':
      return { type: 'string', format: 'email', maxLength: 254 };
    case 'isIso8601':
      return { type: 'string', format: 'date-time' };
    case 'isIn':
      return { enum: first };
    case 'isObject':
      return { type: 'object' };
    case 'isArray':
      return { type: 'array' };
    case 'arrayMinSize':
      return { minItems: first };
    case 'arrayMaxSize':
      return { maxItems: first };
    case 'arrayUnique':
      return { uniqueItems: true };
    default:
      return undefined;
  }
}

/**
 * Writes what class-validator enforces into each DTO property's swagger metadata, so the document and
 * the validation cannot disagree (the validators win over the design type: `limit` is an integer);
 * descriptions, examples and defaults stay as the DTO states them.
 * Returns the names of the validated classes (their schemas refuse unknown properties).
 */
export function documentValidation(): Set<string> {
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<Function, { propertyName: string; name?: string; constraints?: unknown[]; each?: boolean }[]> };
  const names = new Set<string>();
  for (const [target, metadatas] of storage.validationMetadatas) {
    if (!target.name) continue;
    names.add(target.name);
    const byProperty = new Map<string, { own: Schema; items: Schema }>();
    for (const metadata of metadatas) {
      const keywords = keywordsOf(metadata.name, metadata.constraints ?? []);
      if (!keywords) continue;
      const entry = byProperty.get(metadata.propertyName) ?? { own: {}, items: {} };
      Object.assign(metadata.each ? entry.items : entry.own, keywords);
      byProperty.set(metadata.propertyName, entry);
    }
    for (const [property, { own, items }] of byProperty) {
      const prototype = target.prototype as object;
      const existing = (Reflect.getMetadata(MODEL_PROPERTIES, prototype, property) ?? {}) as Schema;
      const nested = typeof existing.type === 'function' && ![String, Number, Boolean, Object, Array].includes(existing.type as never);
      const isList = existing.isArray || existing.type === Array || existing.type === 'array' || own.type === 'array' || Object.keys(items).length > 0;
      let merged: Schema;
      if (isList && nested) {
        // a list of DTOs ([LocationDto]): their own schema; the list's size here
        const { type: _type, ...sizes } = own;
        merged = { ...existing, ...sizes };
      } else if (isList) {
        // a list of values: the value's keywords are the list's, `each` ones its items'
        const { enum: values, ...itemKeywords } = items;
        const itemType = typeof (values as unknown[] | undefined)?.[0] === 'number' ? 'number' : 'string';
        merged = { ...existing, ...own, type: 'array', items: { type: itemType, ...(existing.items as Schema | undefined), ...itemKeywords, ...(values ? { enum: values } : {}) } };
        delete merged.isArray;
      } else {
        merged = { ...existing, ...own };
      }
      // the validation pipe refuses U+0000 in any string (PostgreSQL cannot store it)
      for (const schema of [merged, merged.items as Schema | undefined]) {
        if (schema?.type === 'string' && schema.pattern === undefined && schema.enum === undefined && schema.format === undefined) schema.pattern = NUL_FREE;
      }
      Reflect.defineMetadata(MODEL_PROPERTIES, merged, prototype, property);
      const listed = (Reflect.getOwnMetadata(MODEL_PROPERTIES_ARRAY, prototype) ?? []) as string[];
      if (!listed.includes(`:${property}`)) Reflect.defineMetadata(MODEL_PROPERTIES_ARRAY, [...listed, `:${property}`], prototype);
    }
  }
  return names;
}

/**
 * @nestjs/swagger declares a route's own status (HttpCode, else 201 for POST, 200) only when the route
 * declares no response at all; with its problems declared, the success is kept here.
 */
function declareDefaultSuccess(app: INestApplication): void {
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      for (let prototype = (metatype?.prototype ?? null) as object | null; prototype && prototype !== Object.prototype; prototype = Object.getPrototypeOf(prototype) as object | null) {
        for (const key of Object.getOwnPropertyNames(prototype)) {
          const handler = Object.getOwnPropertyDescriptor(prototype, key)?.value as unknown;
          if (typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
          const responses = Reflect.getMetadata(API_RESPONSE, handler) as Record<string, unknown> | undefined;
          if (!responses || Object.keys(responses).some((status) => status.startsWith('2'))) continue;
          const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod;
          const status = (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ?? (method === RequestMethod.POST ? 201 : 200);
          Reflect.defineMetadata(API_RESPONSE, { [status]: { description: '' }, ...responses }, handler);
        }
      }
    }
  }
}

// ----- the platform's probes ---------------------------------------------------------------------

/** /health/* and /metrics come from libs/platform: described here as they answer. */
function describeProbes(document: OpenAPIObject): void {
  const report = { type: 'object', description: 'The terminus health report: status and each check.', properties: { status: { type: 'string' } } };
  for (const path of ['/health/live', '/health/ready']) {
    const get = document.paths[path]?.get;
    if (!get) continue;
    get.responses = {
      200: { description: 'Healthy.', content: { 'application/json': { schema: report } } },
      503: { description: 'A check failed: the report says which (not a problem document).', content: { 'application/json': { schema: report } } },
    };
  }
  const metrics = document.paths['/metrics']?.get;
  if (metrics) metrics.responses = { 200: { description: 'Prometheus text exposition.', content: { 'text/plain': { schema: { type: 'string' } } } } };
}

// ----- 405 -----------------------------------------------------------------------------------------

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/**
 * A request to a path of the document with a method none of its operations has: 405 with `Allow` and
 * a problem, instead of the router's 404. HEAD follows GET (Express answers it); OPTIONS is left to
 * CORS.
 */
export function methodNotAllowed(document: OpenAPIObject) {
  const routes = Object.entries(document.paths).map(([path, item]) => ({
    source: path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}/]+\}/g, '[^/]+'),
    methods: METHODS.filter((m) => item[m]).map((m) => m.toUpperCase()),
  }));
  const anchored = (sources: string[]) => (sources.length > 0 ? new RegExp(`^(?:${sources.join('|')})/?$`) : /(?!)/);
  // Per method, one regular expression of every path that has it: what almost every request meets, in one
  // test (HEAD as GET). Only a request it does not match looks further: an unknown path (the router's 404)
  // or a method the path lacks (405).
  const served = new Map(METHODS.map((m) => [m.toUpperCase(), anchored(routes.filter((r) => r.methods.includes(m.toUpperCase())).map((r) => r.source))]));
  served.set('HEAD', served.get('GET')!);
  const patterns = routes.map((route) => ({ pattern: anchored([route.source]), methods: route.methods }));
  return (request: Request, response: Response, next: NextFunction) => {
    if (request.method === 'OPTIONS' || served.get(request.method)?.test(request.path)) return next();
    const matching = patterns.filter((route) => route.pattern.test(request.path));
    if (matching.length === 0) return next();
    const allowed = new Set(matching.flatMap((route) => route.methods));
    if (allowed.has('GET')) allowed.add('HEAD');
    if (allowed.has(request.method)) return next();
    const allow = [...allowed].join(', ');
    const { problem: body } = problem(405, 'method-not-allowed', 'Method Not Allowed', `${request.method} is not supported here; allowed: ${allow}`, { instance: request.originalUrl });
    response.status(405).set({ allow, 'content-type': PROBLEM_CONTENT_TYPE }).send(JSON.stringify(body));
  };
}

import type { FastifySchemaValidationError } from 'fastify';
import { fieldPath } from './errors';

export interface ValidationFailure {
  /** Every problem, each naming its field, e.g. `body/currency must be one of USD, EUR, GBP; body/foo is not allowed`. */
  readonly message: string;
  /** The JSON path of the first offending field. */
  readonly field: string;
}

/**
 * Turns the schema validator's (Ajv's) findings into sentences that name the field. Ajv words them
 * relative to the object that holds the problem ("must have required property 'name'", "must NOT
 * have additional properties", "must be equal to one of the allowed values"), which leaves a client
 * guessing which property, or which values: here the missing or unknown property is the field, and
 * an enum lists what it takes.
 */
export function describeValidation(errors: readonly FastifySchemaValidationError[], part: string): ValidationFailure {
  const problems = errors.map((error) => describeOne(error, part));
  const messages = [...new Set(problems.map((problem) => problem.message))];
  return { message: messages.join('; '), field: problems[0]?.field ?? part };
}

function describeOne({ keyword, instancePath, params, message }: FastifySchemaValidationError, part: string): ValidationFailure {
  // Ajv's instancePath is already a JSON Pointer ('' for the whole part, else '/items/0'), and each
  // keyword's params have the shape Ajv documents for it.
  const at = `${part}${instancePath}`;
  if (keyword === 'required') {
    const field = fieldPath(at, [String(params.missingProperty)]);
    return { field, message: `${field} is required` };
  }
  if (keyword === 'additionalProperties') {
    const field = fieldPath(at, [String(params.additionalProperty)]);
    return { field, message: `${field} is not allowed` };
  }
  if (keyword === 'enum') {
    return { field: at, message: `${at} must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}` };
  }
  return { field: at, message: `${at} ${message ?? 'is not valid'}` };
}

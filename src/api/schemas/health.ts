import { Type } from '@sinclair/typebox';

/** The answer of a passing health check, as the .NET template's health checks wrote it. */
export const HealthySchema = Type.Object({ status: Type.Literal('Healthy') });

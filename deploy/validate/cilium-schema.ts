import { Ajv2020 } from 'ajv/dist/2020.js';
import type { KObject } from './objects.js';

/**
 * No npm package ships CiliumNetworkPolicy schemas, so this is our own strict schema of the fields our
 * Cilium variant uses (cilium.io/v2; field names from Cilium's CRD reference). Unknown fields are errors.
 */
const ports = {
  type: 'array',
  minItems: 1,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['ports'],
    properties: {
      ports: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['port'],
          properties: {
            port: { type: 'string', pattern: '^[0-9]{1,5}$' },
            protocol: { enum: ['TCP', 'UDP', 'SCTP', 'ANY'] },
          },
        },
      },
      rules: {
        type: 'object',
        additionalProperties: false,
        properties: {
          dns: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              properties: { matchName: { type: 'string' }, matchPattern: { type: 'string' } },
            },
          },
        },
      },
    },
  },
};
const labelSelector = {
  type: 'object',
  additionalProperties: false,
  properties: { matchLabels: { type: 'object', additionalProperties: { type: 'string' } } },
};
const fqdn = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  properties: {
    matchName: { type: 'string', pattern: '^[a-z0-9.-]+$' },
    matchPattern: { type: 'string', pattern: '^[a-z0-9.*-]+$' },
  },
};
const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'cilium.io/v2' },
    kind: { const: 'CiliumNetworkPolicy' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      additionalProperties: false,
      required: ['endpointSelector', 'egress'],
      properties: {
        endpointSelector: labelSelector,
        egress: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['toPorts'],
            properties: {
              toEndpoints: { type: 'array', items: labelSelector },
              toFQDNs: { type: 'array', minItems: 1, items: fqdn },
              toCIDR: { type: 'array', items: { type: 'string' } },
              toPorts: ports,
            },
          },
        },
      },
    },
  },
};

const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

export function validateCiliumNetworkPolicy(o: KObject): string[] {
  if (validate(o)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`);
}

import type { MessageSchema } from '../protobuf/schema.js';

/**
 * Field numbers of the ONNX messages the detector reads (onnx/onnx.proto, IR version 3-11). Only fields that
 * lead to nodes, tensors and functions are listed; the walker skips the rest (doc strings, types, weights).
 */
export const STRING_ENTRY: MessageSchema = {
  name: 'StringStringEntryProto',
  emit: false,
  fields: { 1: { name: 'key', kind: 'string' }, 2: { name: 'value', kind: 'string' } },
};

export const OPSET_ID: MessageSchema = {
  name: 'OperatorSetIdProto',
  emit: false,
  fields: { 1: { name: 'domain', kind: 'string' }, 2: { name: 'version', kind: 'varint' } },
};

export const TENSOR: MessageSchema = {
  name: 'TensorProto',
  emit: true,
  fields: {
    1: { name: 'dims', kind: 'varint' },
    2: { name: 'data_type', kind: 'varint' },
    8: { name: 'name', kind: 'string' },
    9: { name: 'raw_data', kind: 'bytes' },
    13: { name: 'external_data', kind: 'message', schema: () => STRING_ENTRY },
    14: { name: 'data_location', kind: 'varint' },
  },
};

export const SPARSE_TENSOR: MessageSchema = {
  name: 'SparseTensorProto',
  emit: true,
  fields: {
    1: { name: 'values', kind: 'message', schema: () => TENSOR },
    2: { name: 'indices', kind: 'message', schema: () => TENSOR },
  },
};

export const ATTRIBUTE: MessageSchema = {
  name: 'AttributeProto',
  emit: true,
  fields: {
    5: { name: 't', kind: 'message', schema: () => TENSOR },
    6: { name: 'g', kind: 'message', schema: () => GRAPH },
    10: { name: 'tensors', kind: 'message', schema: () => TENSOR },
    11: { name: 'graphs', kind: 'message', schema: () => GRAPH },
    22: { name: 'sparse_tensor', kind: 'message', schema: () => SPARSE_TENSOR },
    23: { name: 'sparse_tensors', kind: 'message', schema: () => SPARSE_TENSOR },
  },
};

export const NODE: MessageSchema = {
  name: 'NodeProto',
  emit: true,
  fields: {
    4: { name: 'op_type', kind: 'string' },
    5: { name: 'attribute', kind: 'message', schema: () => ATTRIBUTE },
    7: { name: 'domain', kind: 'string' },
  },
};

export const GRAPH: MessageSchema = {
  name: 'GraphProto',
  emit: true,
  fields: {
    1: { name: 'node', kind: 'message', schema: () => NODE },
    5: { name: 'initializer', kind: 'message', schema: () => TENSOR },
    15: { name: 'sparse_initializer', kind: 'message', schema: () => SPARSE_TENSOR },
  },
};

export const FUNCTION: MessageSchema = {
  name: 'FunctionProto',
  emit: true,
  fields: {
    1: { name: 'name', kind: 'string' },
    7: { name: 'node', kind: 'message', schema: () => NODE },
    10: { name: 'domain', kind: 'string' },
  },
};

export const TRAINING_INFO: MessageSchema = {
  name: 'TrainingInfoProto',
  emit: true,
  fields: {
    1: { name: 'initialization', kind: 'message', schema: () => GRAPH },
    2: { name: 'algorithm', kind: 'message', schema: () => GRAPH },
  },
};

export const MODEL: MessageSchema = {
  name: 'ModelProto',
  emit: true,
  fields: {
    1: { name: 'ir_version', kind: 'varint' },
    7: { name: 'graph', kind: 'message', schema: () => GRAPH },
    8: { name: 'opset_import', kind: 'message', schema: () => OPSET_ID },
    20: { name: 'training_info', kind: 'message', schema: () => TRAINING_INFO },
    25: { name: 'functions', kind: 'message', schema: () => FUNCTION },
  },
};

/** Bytes per element of TensorProto.DataType values (0.5 = packed 4-bit; undefined = no fixed size). */
export const ONNX_ELEMENT_BYTES: Readonly<Record<number, number>> = {
  1: 4,
  2: 1,
  3: 1,
  4: 2,
  5: 2,
  6: 4,
  7: 8,
  9: 1,
  10: 2,
  11: 8,
  12: 4,
  13: 8,
  14: 8,
  15: 16,
  16: 2,
  17: 1,
  18: 1,
  19: 1,
  20: 1,
  21: 0.5,
  22: 0.5,
  23: 0.5,
  24: 1,
};

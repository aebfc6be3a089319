import type { MessageSchema } from '../protobuf/schema.js';

/**
 * Field numbers of the TensorFlow messages the SavedModel detector reads (tensorflow/core/protobuf/
 * saved_model.proto, meta_graph.proto, graph.proto, node_def.proto, function.proto, op_def.proto and
 * keras saved_metadata.proto). Attribute values (which hold constant tensors) are skipped.
 */
export const NODE_DEF: MessageSchema = {
  name: 'NodeDef',
  emit: true,
  fields: { 1: { name: 'name', kind: 'string' }, 2: { name: 'op', kind: 'string' } },
};

export const OP_DEF: MessageSchema = {
  name: 'OpDef',
  emit: false,
  fields: { 1: { name: 'name', kind: 'string' } },
};

export const FUNCTION_DEF: MessageSchema = {
  name: 'FunctionDef',
  emit: true,
  fields: {
    1: { name: 'signature', kind: 'message', schema: () => OP_DEF },
    3: { name: 'node_def', kind: 'message', schema: () => NODE_DEF },
  },
};

export const FUNCTION_LIBRARY: MessageSchema = {
  name: 'FunctionDefLibrary',
  emit: true,
  fields: { 1: { name: 'function', kind: 'message', schema: () => FUNCTION_DEF } },
};

export const GRAPH_DEF: MessageSchema = {
  name: 'GraphDef',
  emit: true,
  fields: {
    1: { name: 'node', kind: 'message', schema: () => NODE_DEF },
    2: { name: 'library', kind: 'message', schema: () => FUNCTION_LIBRARY },
  },
};

export const META_INFO_DEF: MessageSchema = {
  name: 'MetaInfoDef',
  emit: false,
  fields: { 4: { name: 'tags', kind: 'string' }, 5: { name: 'tensorflow_version', kind: 'string' } },
};

export const META_GRAPH_DEF: MessageSchema = {
  name: 'MetaGraphDef',
  emit: true,
  fields: {
    1: { name: 'meta_info_def', kind: 'message', schema: () => META_INFO_DEF },
    2: { name: 'graph_def', kind: 'message', schema: () => GRAPH_DEF },
  },
};

export const SAVED_MODEL: MessageSchema = {
  name: 'SavedModel',
  emit: true,
  fields: {
    1: { name: 'saved_model_schema_version', kind: 'varint' },
    2: { name: 'meta_graphs', kind: 'message', schema: () => META_GRAPH_DEF },
  },
};

/** keras_metadata.pb: SavedMetadata { repeated SavedObject nodes = 1 }; SavedObject.metadata is Keras JSON. */
export const SAVED_OBJECT: MessageSchema = {
  name: 'SavedObject',
  emit: true,
  fields: { 3: { name: 'identifier', kind: 'string' }, 4: { name: 'metadata', kind: 'string' } },
};

export const SAVED_METADATA: MessageSchema = {
  name: 'SavedMetadata',
  emit: true,
  fields: { 1: { name: 'nodes', kind: 'message', schema: () => SAVED_OBJECT } },
};

/** The registries cavra-scan reads by reference. */
export type RegistryKind = 'huggingface' | 'mlflow' | 's3' | 'sagemaker' | 'wandb';

export const REGISTRY_KINDS: readonly RegistryKind[] = ['huggingface', 'mlflow', 's3', 'sagemaker', 'wandb'];

/** The subset of MLflow's REST JSON (snake_case proto names, int64 as numbers) the connector reads. */
export interface MlflowModelVersion {
  name: string;
  version: string;
  last_updated_timestamp?: number;
  current_stage?: string;
  source?: string;
  run_id?: string;
  status?: string;
  aliases?: string[];
  storage_location?: string;
}

export interface MlflowFileInfo {
  path: string;
  is_dir?: boolean;
  file_size?: number;
}

export interface SearchVersionsResponse {
  model_versions?: MlflowModelVersion[];
  next_page_token?: string;
}

export interface SearchModelsResponse {
  registered_models?: { name: string }[];
  next_page_token?: string;
}

export interface ListArtifactsResponse {
  root_uri?: string;
  files?: MlflowFileInfo[];
  next_page_token?: string;
}

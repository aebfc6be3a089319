/**
 * The GraphQL operations the W&B connector sends, kept to fields every self-managed server release has
 * (registries.md §3.2: older servers reject newer fields). Relay paging: `first`/`after` + `pageInfo`.
 */
const ARTIFACT_FIELDS = 'id versionIndex state digest artifactType { name } aliases { alias }';

export const PROJECT_ARTIFACT_COLLECTIONS = `query ProjectArtifactCollections($entity: String!, $project: String!, $type: String!, $cursor: String, $perPage: Int) {
  project(name: $project, entityName: $entity) {
    artifactType(name: $type) {
      artifactCollections(after: $cursor, first: $perPage) { pageInfo { endCursor hasNextPage } edges { node { id name } } }
    }
  }
}`;

export const PROJECT_ARTIFACTS = `query ProjectArtifacts($entity: String!, $project: String!, $type: String!, $collection: String!, $cursor: String, $perPage: Int) {
  project(name: $project, entityName: $entity) {
    artifactType(name: $type) {
      artifactCollection(name: $collection) {
        artifacts(after: $cursor, first: $perPage) { pageInfo { endCursor hasNextPage } edges { version node { ${ARTIFACT_FIELDS} } } }
      }
    }
  }
}`;

export const ARTIFACT_MEMBERSHIP_BY_NAME = `query ArtifactMembershipByName($entity: String!, $project: String!, $name: String!) {
  project(name: $project, entityName: $entity) {
    artifactCollectionMembership(name: $name) { versionIndex artifact { ${ARTIFACT_FIELDS} } }
  }
}`;

export const FETCH_ARTIFACT_MANIFEST = `query FetchArtifactManifest($id: ID!) {
  artifact(id: $id) { currentManifest { file { directUrl } } }
}`;

export const ARTIFACT_FILE_URLS = `query ArtifactFileUrls($id: ID!, $cursor: String, $perPage: Int) {
  artifact(id: $id) { files(after: $cursor, first: $perPage) { pageInfo { endCursor hasNextPage } edges { node { name directUrl } } } }
}`;

export interface PageInfo {
  endCursor: string | null;
  hasNextPage: boolean;
}

export interface Connection<T> {
  pageInfo: PageInfo;
  edges: T[];
}

export interface ArtifactNode {
  id: string;
  versionIndex: number;
  state: string;
  digest: string;
  artifactType?: { name: string };
  aliases?: { alias: string }[];
}

export interface ManifestEntry {
  digest: string;
  size?: number;
  ref?: string;
  extra?: { etag?: string; versionID?: string };
}

export interface Manifest {
  version: number;
  contents: Record<string, ManifestEntry>;
}

import { guardAwsClient } from '../../evidence/emit/egress-aws.js';
import type {
  ModelApprovalStatus,
  ModelPackageContainerDefinition,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';

/** The SDK is loaded on first use: most runs never touch SageMaker, and loading it costs ~0.4 s of start-up. */
const sdk = () => import('@aws-sdk/client-sagemaker');
import { awsError } from '../aws/errors.js';
import { awsEndpointLabel, sdkConfig, type AwsSettings } from '../aws/settings.js';
import type { Connector, OpenedBody } from '../connector.js';
import { ConnectorError } from '../errors.js';
import type { ModelVersionRef } from '../model-version-ref.js';
import type { ObjectStore } from '../object-store.js';
import { inScopePath, PageGuard } from '../paths.js';
import type { RemoteArtifact } from '../remote-artifact.js';
import type { Scope } from '../scope.js';

export const SAGEMAKER_MAX_PACKAGES = 100_000;
const APPROVALS = new Set(['Approved', 'Rejected', 'PendingManualApproval']);

/**
 * SageMaker Model Registry (`@aws-sdk/client-sagemaker`, AWS JSON 1.1): model package groups and their versioned
 * packages with approval status; each package's model data (`ModelDataUrl`, `ModelDataSource` S3Object/S3Prefix,
 * `AdditionalModelDataSources`, across every inference specification) read from S3. A `model.tar.gz` streams
 * through the scanner's archive expanders member by member. File references are `<package ARN>#s3://bucket/key`.
 */
export class SageMakerConnector implements Connector {
  readonly registry = 'sagemaker' as const;
  readonly endpoint: string;
  private client: SageMakerClient | undefined;

  constructor(
    private readonly settings: AwsSettings,
    private readonly store: ObjectStore,
  ) {
    this.endpoint = awsEndpointLabel(settings);
  }

  private async sm(): Promise<SageMakerClient> {
    if (!this.client) {
      const { SageMakerClient } = await sdk();
      const client = new SageMakerClient(sdkConfig(this.settings));
      this.client = this.settings.egress ? guardAwsClient(client, this.settings.egress) : client;
    }
    return this.client;
  }

  async *listVersions(scope: Scope, signal?: AbortSignal): AsyncGenerator<ModelVersionRef> {
    if (scope.approval && !APPROVALS.has(scope.approval))
      throw new ConnectorError(
        'BAD_REFERENCE',
        `approval '${scope.approval}' is not one of ${[...APPROVALS].join(', ')}`,
      );
    const opts = signal ? [{ abortSignal: signal }] : [];
    const groups = scope.models?.length ? scope.models : this.allGroups(signal);
    for await (const group of groups) {
      const guard = new PageGuard(`packages of ${group}`, SAGEMAKER_MAX_PACKAGES);
      let found = false;
      try {
        const { paginateListModelPackages } = await sdk();
        const pages = paginateListModelPackages(
          { client: await this.sm(), pageSize: 100 },
          {
            ModelPackageGroupName: group,
            ModelPackageType: 'Versioned',
            ...(scope.approval ? { ModelApprovalStatus: scope.approval as ModelApprovalStatus } : {}),
          },
          ...opts,
        );
        for await (const page of pages) {
          for (const p of page.ModelPackageSummaryList ?? []) {
            if (!p.ModelPackageArn || p.ModelPackageVersion === undefined)
              throw new ConnectorError('BAD_RESPONSE', `${group}: package without ARN or version`);
            guard.add(p.ModelPackageArn);
            if (scope.version && String(p.ModelPackageVersion) !== scope.version) continue;
            found = true;
            yield {
              registry: 'sagemaker',
              endpoint: this.endpoint,
              model: group,
              version: String(p.ModelPackageVersion),
              reference: p.ModelPackageArn,
              changeKey: p.ModelPackageArn,
              labels: {
                approval: p.ModelApprovalStatus ?? 'unknown',
                status: p.ModelPackageStatus ?? 'unknown',
              },
              locator: p.ModelPackageArn,
            };
          }
        }
      } catch (err) {
        throw awsError(err, `listing packages of ${group}`);
      }
      if (scope.version && !found)
        throw new ConnectorError(
          'NOT_FOUND',
          `package group ${group} has no version ${scope.version}${scope.approval ? ` with approval ${scope.approval}` : ''}`,
        );
    }
  }

  async *listArtifacts(
    version: ModelVersionRef,
    scope: Scope,
    signal?: AbortSignal,
  ): AsyncGenerator<RemoteArtifact> {
    let containers: ModelPackageContainerDefinition[];
    try {
      const { DescribeModelPackageCommand } = await sdk();
      const d = await (
        await this.sm()
      ).send(
        new DescribeModelPackageCommand({ ModelPackageName: version.locator }),
        signal ? { abortSignal: signal } : {},
      );
      containers = [
        ...(d.InferenceSpecification?.Containers ?? []),
        ...(d.AdditionalInferenceSpecifications ?? []).flatMap((s) => s.Containers ?? []),
      ];
    } catch (err) {
      throw awsError(err, `DescribeModelPackage ${version.locator}`);
    }
    const uris = new Set<string>();
    for (const c of containers) {
      if (c.ModelDataUrl) uris.add(c.ModelDataUrl);
      if (c.ModelDataSource?.S3DataSource?.S3Uri) uris.add(c.ModelDataSource.S3DataSource.S3Uri);
      for (const a of c.AdditionalModelDataSources ?? [])
        if (a.S3DataSource?.S3Uri) uris.add(a.S3DataSource.S3Uri);
    }
    const unreadable: string[] = [];
    for (const uri of uris) {
      if (!uri.startsWith('s3://')) {
        unreadable.push(uri.replace(/\?.*$/, ''));
        continue;
      }
      for await (const a of this.store.listUri(
        uri,
        version,
        `${version.reference}#${uri.replace(/\/+$/, '')}`,
        signal,
      )) {
        if (inScopePath(a.path, scope.path)) yield a;
      }
    }
    if (unreadable.length)
      throw new ConnectorError(
        'UNSUPPORTED',
        `${version.reference}: model data outside S3 not read: ${unreadable.join(', ').slice(0, 300)}`,
      );
  }

  openRange(artifact: RemoteArtifact, offset: number, signal?: AbortSignal): Promise<OpenedBody> {
    return this.store.openRange(artifact, offset, signal);
  }

  async close(): Promise<void> {
    this.client?.destroy();
    this.client = undefined;
    await this.store.close();
  }

  private async *allGroups(signal?: AbortSignal): AsyncGenerator<string> {
    const guard = new PageGuard('model package groups', SAGEMAKER_MAX_PACKAGES);
    try {
      const { paginateListModelPackageGroups } = await sdk();
      for await (const page of paginateListModelPackageGroups(
        { client: await this.sm(), pageSize: 100 },
        {},
        ...(signal ? [{ abortSignal: signal }] : []),
      )) {
        for (const g of page.ModelPackageGroupSummaryList ?? []) {
          if (!g.ModelPackageGroupName) continue;
          guard.add(g.ModelPackageGroupName);
          yield g.ModelPackageGroupName;
        }
      }
    } catch (err) {
      throw awsError(err, 'listing model package groups');
    }
  }
}

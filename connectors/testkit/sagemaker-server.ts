import { ProtocolServer } from './protocol-server.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sigV4KeyId } from './aws-auth.js';
import { sendJson, type RequestContext } from './server.js';

export interface SmContainer {
  ModelDataUrl?: string;
  ModelDataSource?: {
    S3DataSource: { S3Uri: string; S3DataType: 'S3Prefix' | 'S3Object'; CompressionType: 'None' | 'Gzip' };
  };
  AdditionalModelDataSources?: {
    ChannelName: string;
    S3DataSource: { S3Uri: string; S3DataType: 'S3Prefix' | 'S3Object'; CompressionType: 'None' | 'Gzip' };
  }[];
}

export interface SmPackage {
  version: number;
  approval: 'Approved' | 'Rejected' | 'PendingManualApproval';
  containers: SmContainer[];
  additional?: SmContainer[];
}

export interface SmGroup {
  name: string;
  packages: SmPackage[];
}

export interface SageMakerServerOptions {
  groups: SmGroup[];
  accessKeyId: string;
  region?: string;
  account?: string;
  /** Results per page at most (MaxResults is 1..100 on AWS). */
  pageSize?: number;
}

/**
 * The SageMaker model registry subset over AWS JSON 1.1 (registries.md §4.1-4.2): `POST /` dispatched on
 * `X-Amz-Target: SageMaker.<Operation>` — ListModelPackageGroups, ListModelPackages (approval and type filters),
 * DescribeModelPackage (by versioned ARN) — with `NextToken` paging, epoch-second timestamps, and JSON errors
 * `{"__type","message"}` (ValidationException, UnrecognizedClientException, MissingAuthenticationTokenException).
 */
export class SageMakerServer extends ProtocolServer<SageMakerServerOptions> {
  static start(options: SageMakerServerOptions): Promise<SageMakerServer> {
    return ProtocolServer.launch((http) => new SageMakerServer(http, options));
  }

  arn(group: string, version?: number): string {
    const base = `arn:aws:sagemaker:${this.options.region ?? 'us-east-1'}:${this.options.account ?? '123456789012'}`;
    return version === undefined
      ? `${base}:model-package-group/${group}`
      : `${base}:model-package/${group.toLowerCase()}/${version}`;
  }

  protected serve(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): void {
    const key = sigV4KeyId(req);
    if (key === 'none')
      return awsJsonError(res, 403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    if (key !== this.options.accessKeyId)
      return awsJsonError(
        res,
        400,
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    const target = String(req.headers['x-amz-target'] ?? '');
    if (
      req.method !== 'POST' ||
      !String(req.headers['content-type']).startsWith('application/x-amz-json-1.1')
    ) {
      return awsJsonError(res, 400, 'SerializationException', 'expected POST application/x-amz-json-1.1');
    }
    const input = JSON.parse(ctx.body.toString() || '{}') as Record<string, unknown>;
    switch (target) {
      case 'SageMaker.ListModelPackageGroups': {
        const contains = String(input.NameContains ?? '');
        const all = this.options.groups
          .filter((g) => g.name.includes(contains))
          .map((g) => ({
            ModelPackageGroupName: g.name,
            ModelPackageGroupArn: this.arn(g.name),
            CreationTime: 1718000000.5,
            ModelPackageGroupStatus: 'Completed',
          }));
        return this.page(res, input, 'ModelPackageGroupSummaryList', all);
      }
      case 'SageMaker.ListModelPackages': {
        const name = String(input.ModelPackageGroupName ?? '').replace(/^arn:.*:model-package-group\//, '');
        const group = this.options.groups.find((g) => g.name === name);
        const all = (group?.packages ?? [])
          .filter((p) => !input.ModelApprovalStatus || p.approval === input.ModelApprovalStatus)
          .filter(() => input.ModelPackageType === 'Versioned' || input.ModelPackageType === 'Both')
          .map((p) => ({
            ModelPackageGroupName: group!.name,
            ModelPackageVersion: p.version,
            ModelPackageArn: this.arn(group!.name, p.version),
            CreationTime: 1718000000.5,
            ModelPackageStatus: 'Completed',
            ModelApprovalStatus: p.approval,
          }));
        return this.page(res, input, 'ModelPackageSummaryList', all);
      }
      case 'SageMaker.DescribeModelPackage': {
        const arn = String(input.ModelPackageName ?? '');
        for (const g of this.options.groups) {
          const p = g.packages.find((x) => this.arn(g.name, x.version) === arn);
          if (!p) continue;
          return sendJson(
            res,
            200,
            {
              ModelPackageGroupName: g.name,
              ModelPackageVersion: p.version,
              ModelPackageArn: arn,
              CreationTime: 1718000000.5,
              ModelPackageStatus: 'Completed',
              ModelApprovalStatus: p.approval,
              InferenceSpecification: {
                Containers: p.containers.map((c) => ({
                  Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1',
                  ...c,
                })),
                SupportedContentTypes: ['text/csv'],
              },
              ...(p.additional
                ? {
                    AdditionalInferenceSpecifications: [
                      { Name: 'neo', Containers: p.additional.map((c) => ({ Image: 'img', ...c })) },
                    ],
                  }
                : {}),
            },
            { 'content-type': 'application/x-amz-json-1.1' },
          );
        }
        return awsJsonError(res, 400, 'ValidationException', `ModelPackage ${arn} does not exist.`);
      }
      default:
        return awsJsonError(res, 400, 'UnknownOperationException', `unknown target ${target}`);
    }
  }

  private page(res: ServerResponse, input: Record<string, unknown>, key: string, all: unknown[]): void {
    const max = Math.min(Number(input.MaxResults ?? 100), 100, this.options.pageSize ?? 100);
    const offset = input.NextToken ? Number(Buffer.from(String(input.NextToken), 'base64').toString()) : 0;
    const body: Record<string, unknown> = { [key]: all.slice(offset, offset + max) };
    if (offset + max < all.length) body.NextToken = Buffer.from(String(offset + max)).toString('base64');
    sendJson(res, 200, body, { 'content-type': 'application/x-amz-json-1.1' });
  }
}

export function awsJsonError(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(
    res,
    status,
    { __type: type, message },
    { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type },
  );
}

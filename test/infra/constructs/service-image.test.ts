import type { App, Stack } from 'aws-cdk-lib';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceImage } from '../../../infra/constructs/service-image';
import { inStack } from './construct-stack';

/** The catalog's image, and what the synthesis wrote about it: its entry in the stack's asset manifest and its staged build context. */
function serviceImage(serviceName = 'catalog') {
  const { built, stack } = inStack((stack) => new ServiceImage(stack, `${serviceName}Image`, { serviceName }));
  const { dockerImages } = assetManifest(stack);
  const hash = built.asset.assetHash;
  return { built, stack, dockerImage: dockerImages[hash], context: join((stack.node.root as App).outdir, dockerImages[hash].source.directory) };
}

/** The stack's asset manifest, which `cdk deploy` builds and publishes the images from. */
function assetManifest(stack: Stack) {
  return JSON.parse(readFileSync(join((stack.node.root as App).outdir, `${stack.artifactId}.assets.json`), 'utf8'));
}

describe('the image of a core service', () => {
  it('is built from services/Dockerfile with the service as its SERVICE build argument, for arm64 (Graviton), the architecture of the core APIs’ nodes', () => {
    expect(serviceImage('orders').dockerImage.source).toEqual({
      directory: expect.stringMatching(/^asset\./),
      dockerFile: 'services/Dockerfile',
      dockerBuildArgs: { SERVICE: 'orders' },
      platform: 'linux/arm64',
    });
  });

  it('says which service it is in the deploy’s progress', () => {
    expect(serviceImage('orders').dockerImage.displayName).toBe('orders service image');
  });

  it('sends the build only what the root .dockerignore allows: the services, not infra/ or the tests', () => {
    const { context } = serviceImage();
    for (const kept of ['services/Dockerfile', 'package.json', 'package-lock.json']) expect(existsSync(join(context, kept))).toBe(true);
    for (const left of ['infra', 'test', 'k8s', 'node_modules']) expect(existsSync(join(context, left))).toBe(false);
  });

  it('names the image by registry, repository and tag, with the tag spelled out for the chart values’ check', () => {
    const { built, stack } = serviceImage();
    const tag = built.asset.imageTag;
    // A string in which only the repository is a token: it visibly ends in `:<tag>`.
    expect(built.imageUri.endsWith(`:${tag}`)).toBe(true);
    expect(stack.resolve(built.imageUri)).toEqual({
      'Fn::Join': [
        '',
        [
          { Ref: 'AWS::AccountId' },
          '.dkr.ecr.',
          { Ref: 'AWS::Region' },
          '.',
          { Ref: 'AWS::URLSuffix' },
          '/',
          { 'Fn::Sub': 'cdk-hnb659fds-container-assets-${AWS::AccountId}-${AWS::Region}' },
          `:${tag}`,
        ],
      ],
    });
  });

  it('is a distinct image per service, though all share one Dockerfile and context', () => {
    const catalog = serviceImage('catalog');
    const orders = serviceImage('orders');
    expect(catalog.built.asset.imageTag).not.toBe(orders.built.asset.imageTag);
  });
});

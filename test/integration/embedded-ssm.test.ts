import { strict as assert } from "node:assert";
import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
import { startEmbeddedAws, type EmbeddedAws } from "../../local/embedded-aws";
import { startEmbeddedSsm } from "../../local/embedded-ssm";

describe("embedded SSM Parameter Store", () => {
  let aws: EmbeddedAws;
  beforeEach(async () => {
    aws = await startEmbeddedAws();
  });
  afterEach(() => aws.close());

  it("is part of the embedded AWS: endpoint, env and request count", () => {
    assert.match(aws.ssmEndpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(aws.env().AWS_ENDPOINT_URL_SSM, aws.ssmEndpoint);
    assert.equal(aws.requests.ssm, 0);
  });

  it("returns a SecureString decrypted only WithDecryption, through the real SDK", async () => {
    const put = await aws.ssm.send(
      new PutParameterCommand({ Name: "/etl/dev/token", Value: "s3cret", Type: "SecureString" }),
    );
    assert.deepEqual([put.Version, put.Tier], [1, "Standard"]);
    const plain = await aws.ssm.send(new GetParameterCommand({ Name: "/etl/dev/token", WithDecryption: true }));
    assert.deepEqual(
      { ...plain.Parameter, LastModifiedDate: undefined },
      {
        Name: "/etl/dev/token",
        Type: "SecureString",
        Value: "s3cret",
        Version: 1,
        ARN: "arn:aws:ssm:us-east-1:000000000000:parameter/etl/dev/token",
        DataType: "text",
        LastModifiedDate: undefined,
      },
    );
    assert.ok(plain.Parameter?.LastModifiedDate instanceof Date);
    const cipher = await aws.ssm.send(new GetParameterCommand({ Name: "/etl/dev/token" }));
    assert.notEqual(cipher.Parameter?.Value, "s3cret");
    assert.ok(!Buffer.from(cipher.Parameter!.Value!, "base64").toString().includes("s3cret"));
    assert.equal(aws.requests.ssm, 3);
  });

  it("answers errors in SSM's shape: ParameterNotFound, ParameterAlreadyExists", async () => {
    await assert.rejects(
      aws.ssm.send(new GetParameterCommand({ Name: "/missing" })),
      (e: unknown) => e instanceof ParameterNotFound && e.$metadata.httpStatusCode === 400,
    );
    await aws.ssm.send(new PutParameterCommand({ Name: "plain", Value: "1", Type: "String" }));
    await assert.rejects(
      aws.ssm.send(new PutParameterCommand({ Name: "plain", Value: "2", Type: "String" })),
      (e: unknown) => e instanceof ParameterAlreadyExists,
    );
    const over = await aws.ssm.send(new PutParameterCommand({ Name: "plain", Value: "2", Overwrite: true }));
    assert.equal(over.Version, 2);
    await aws.ssm.send(new DeleteParameterCommand({ Name: "plain" }));
    await assert.rejects(
      aws.ssm.send(new DeleteParameterCommand({ Name: "plain" })),
      (e: unknown) => e instanceof ParameterNotFound,
    );
  });

  it("GetParameters splits found and invalid names", async () => {
    await aws.ssm.send(new PutParameterCommand({ Name: "/a", Value: "A", Type: "SecureString" }));
    await aws.ssm.send(new PutParameterCommand({ Name: "/b", Value: "B", Type: "String" }));
    const out = await aws.ssm.send(new GetParametersCommand({ Names: ["/a", "/b", "/c"], WithDecryption: true }));
    assert.deepEqual(
      out.Parameters?.map((p) => [p.Name, p.Value]),
      [
        ["/a", "A"],
        ["/b", "B"],
      ],
    );
    assert.deepEqual(out.InvalidParameters, ["/c"]);
  });

  it("works with Powertools Parameters, which caches the value", async () => {
    await aws.ssm.send(new PutParameterCommand({ Name: "/etl/token", Value: "from-powertools", Type: "SecureString" }));
    const provider = new SSMProvider({ awsSdkV3Client: aws.ssm });
    const before = aws.requests.ssm;
    assert.equal(await provider.get("/etl/token", { decrypt: true, maxAge: 60 }), "from-powertools");
    assert.equal(await provider.get("/etl/token", { decrypt: true, maxAge: 60 }), "from-powertools");
    assert.equal(aws.requests.ssm - before, 1);
    await assert.rejects(provider.get("/etl/absent", { decrypt: true }), { name: "GetParameterError" });
  });

  it("is reachable through AWS_ENDPOINT_URL_SSM with the SDK's default configuration", async () => {
    const ssm = await startEmbeddedSsm();
    const saved = process.env.AWS_ENDPOINT_URL_SSM;
    process.env.AWS_ENDPOINT_URL_SSM = ssm.endpoint;
    const client = new SSMClient({ region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } });
    try {
      await client.send(new PutParameterCommand({ Name: "x", Value: "y" }));
      assert.deepEqual(ssm.calls, { PutParameter: 1 });
    } finally {
      client.destroy();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_SSM;
      else process.env.AWS_ENDPOINT_URL_SSM = saved;
      await ssm.close();
    }
  });
});

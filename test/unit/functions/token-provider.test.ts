import { strict as assert } from "node:assert";
import { ssmTokenProvider } from "../../../functions/lib/runtime";

describe("ssmTokenProvider", () => {
  it("has no token without a parameter name", () => assert.equal(ssmTokenProvider(undefined), undefined));

  it("shares one fetch among concurrent callers, then fetches again once it settled", async () => {
    const asked: string[] = [];
    let release: (token: string) => void = () => undefined;
    const provider = ssmTokenProvider("/cascading-etl/dev/source-api-token", (name) => {
      asked.push(name);
      return new Promise((resolve) => (release = resolve));
    })!;
    const concurrent = Promise.all(Array.from({ length: 10 }, () => provider()));
    release("secret-1");
    assert.deepEqual(await concurrent, Array(10).fill("secret-1"));
    const later = provider();
    release("secret-2");
    assert.deepEqual(
      { later: await later, asked },
      { later: "secret-2", asked: ["/cascading-etl/dev/source-api-token", "/cascading-etl/dev/source-api-token"] },
    );
  });

  it("lets a failed fetch fail its callers and the next call try again", async () => {
    let calls = 0;
    const provider = ssmTokenProvider("/p", async () => {
      calls += 1;
      if (calls === 1) throw new Error("ThrottlingException");
      return "ok";
    })!;
    await assert.rejects(Promise.all([provider(), provider()]), /ThrottlingException/);
    assert.deepEqual({ token: await provider(), calls }, { token: "ok", calls: 2 });
  });
});

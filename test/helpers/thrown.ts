// What a call threw (sync or async), or undefined: for tests that then check the error's class and message.
export async function thrownBy(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (e) {
    return e;
  }
  return undefined;
}

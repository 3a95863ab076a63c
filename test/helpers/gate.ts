/** A promise the test resolves by hand, so a job or a reply runs exactly as long as the test says. */
export class Gate {
  open: () => void = () => {};
  readonly opened = new Promise<void>((resolve) => {
    this.open = resolve;
  });
}

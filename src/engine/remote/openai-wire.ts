import { z } from 'zod';
import type { EngineImage, EngineTurn, SamplingOptions } from '../engine.js';
import { neutralizeLiterals } from '../protocol/text-prompt.js';

/** One content part of a chat message (OpenAI chat completions, as vLLM, llama.cpp and Ollama accept it). */
export type ContentPart =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'image_url'; readonly image_url: { readonly url: string } };

/** One chat message on the wire. */
export interface WireMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string | readonly ContentPart[];
}

/** The request body of `POST {base}/chat/completions` with `stream: true`. */
export interface ChatCompletionRequest {
  readonly model: string;
  readonly messages: readonly WireMessage[];
  readonly stream: true;
  readonly stream_options: { readonly include_usage: true };
  readonly max_tokens: number;
  readonly temperature: number;
  readonly top_p: number;
  readonly seed: number;
  readonly stop?: readonly string[];
  /** vLLM: continue the trailing assistant message instead of opening a new one (forced tasks). */
  readonly continue_final_message?: true;
  readonly add_generation_prompt?: false;
}

/** Inputs of {@link buildChatRequest}. */
export interface ChatRequestInput {
  readonly model: string;
  readonly turns: readonly EngineTurn[];
  readonly sampling: SamplingOptions;
  /** Literals user text may not carry verbatim (task tags, image and special tokens). */
  readonly reserved: readonly string[];
  readonly systemPrompt?: string;
  readonly stop?: readonly string[];
  /** Only the latest this-many images are sent (LLaVA-style servers often accept one per prompt). */
  readonly maxImages: number;
  /** An image's URL: a data URL by default; operators may publish images and pass https URLs. */
  readonly imageUrl: (image: EngineImage) => Promise<string>;
  /** Text the assistant's reply must start with (a forced task's open tag). */
  readonly prefill?: string;
}

/** `data:` URL of an image: the portable way to send pixels to every OpenAI-compatible server. */
export async function dataUrl(image: EngineImage): Promise<string> {
  return `data:${image.mime};base64,${Buffer.from(image.bytes).toString('base64')}`;
}

/**
 * The chat completion request for a conversation. User text is neutralised (a user who types `<gen>`
 * must not reach the server's tokenizer as the tag); assistant turns go back verbatim, tags included,
 * so the model sees its own earlier calls. Images become content parts of their turn.
 */
export async function buildChatRequest(input: ChatRequestInput): Promise<ChatCompletionRequest> {
  const turns = carryAssistantImages(input.turns);
  const keep = latestImages(turns, input.maxImages);
  const messages: WireMessage[] = [];
  if (input.systemPrompt) messages.push({ role: 'system', content: input.systemPrompt });
  for (const [t, turn] of turns.entries()) {
    if (turn.role === 'assistant') {
      messages.push({ role: 'assistant', content: turn.text });
      continue;
    }
    const text = neutralizeLiterals(turn.text.trim(), input.reserved);
    const images = turn.images.filter((_, i) => keep.has(`${t}:${i}`));
    if (images.length === 0) {
      messages.push({ role: 'user', content: text });
      continue;
    }
    // Images first: LLaVA's template puts `<image>\n` before the question.
    const parts: ContentPart[] = [];
    for (const image of images)
      parts.push({ type: 'image_url', image_url: { url: await input.imageUrl(image) } });
    parts.push({ type: 'text', text });
    messages.push({ role: 'user', content: parts });
  }
  if (input.prefill) messages.push({ role: 'assistant', content: input.prefill });
  const { sampling } = input;
  return {
    model: input.model,
    messages,
    stream: true,
    stream_options: { include_usage: true },
    max_tokens: sampling.maxNewTokens,
    temperature: sampling.temperature,
    top_p: sampling.topP,
    seed: sampling.seed,
    ...(input.stop && input.stop.length > 0 ? { stop: input.stop } : {}),
    ...(input.prefill ? { continue_final_message: true, add_generation_prompt: false } : {}),
  };
}

/**
 * Assistant messages carry text only in this API, so images the bot produced go with the next user
 * turn (before the user's own): "what is in the picture you drew?" then works.
 */
function carryAssistantImages(turns: readonly EngineTurn[]): EngineTurn[] {
  const out: EngineTurn[] = [];
  let carried: EngineTurn['images'] = [];
  for (const turn of turns) {
    if (turn.role === 'assistant') {
      carried = [...carried, ...turn.images];
      out.push({ ...turn, images: [] });
      continue;
    }
    out.push({ ...turn, images: [...carried, ...turn.images] });
    carried = [];
  }
  return out;
}

/** Keys `turn:image` of the latest `max` images of user turns. */
function latestImages(turns: readonly EngineTurn[], max: number): Set<string> {
  const keys: string[] = [];
  for (const [t, turn] of turns.entries())
    if (turn.role === 'user') for (const i of turn.images.keys()) keys.push(`${t}:${i}`);
  return new Set(max > 0 ? keys.slice(-max) : []);
}

/** A streamed chunk, validated minimally: only what the engine reads. */
export const ChunkSchema = z.object({
  choices: z
    .array(
      z.object({
        delta: z.object({ content: z.string().nullish() }).nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: z.object({ completion_tokens: z.number().int().nonnegative() }).nullish(),
  /** vLLM and llama.cpp report a failure after the headers as a data event with `error`. */
  error: z.object({ message: z.string().nullish() }).loose().nullish(),
});

/** One parsed chunk. */
export type Chunk = z.infer<typeof ChunkSchema>;

import type { TaskKind } from '../../engine/protocol/task-kind.js';

/** Subcommands that steer the reply to one task. */
const TASK_SUBCOMMANDS: Readonly<Record<string, TaskKind>> = {
  imagine: 'image_generation',
  edit: 'image_editing',
  segment: 'segmentation',
  video: 'video_generation',
  audio: 'audio_generation',
};

/** What a slash command's text asks for. */
export type SlashRequest =
  | { readonly type: 'help' }
  | { readonly type: 'reset' }
  | { readonly type: 'settings'; readonly setting: 'show' | 'channel' | 'dms'; readonly on: boolean }
  | { readonly type: 'usage'; readonly subcommand: string }
  | { readonly type: 'ask'; readonly prompt: string; readonly forcedTask?: TaskKind };

/** Parses `/llmbind [subcommand] <prompt>`. An unknown first word is part of a free prompt. */
export function parseSlashCommand(text: string): SlashRequest {
  const trimmed = text.trim();
  const [first = '', ...rest] = trimmed.split(/\s+/);
  const word = first.toLowerCase();
  const prompt = rest.join(' ');
  if (trimmed === '' || word === 'help') return { type: 'help' };
  if (word === 'reset') return { type: 'reset' };
  if (word === 'settings') return parseSettings(rest.map((w) => w.toLowerCase()));
  const forcedTask = TASK_SUBCOMMANDS[word];
  if (!forcedTask) return { type: 'ask', prompt: trimmed };
  if (prompt === '') return { type: 'usage', subcommand: word };
  return { type: 'ask', prompt, forcedTask };
}

/** `settings`, `settings channel on|off`, `settings dms on|off`; anything else is a usage error. */
function parseSettings(words: string[]): SlashRequest {
  const [setting, value] = words;
  if (setting === undefined) return { type: 'settings', setting: 'show', on: true };
  if ((setting === 'channel' || setting === 'dms') && (value === 'on' || value === 'off'))
    return { type: 'settings', setting, on: value === 'on' };
  return { type: 'usage', subcommand: 'settings' };
}

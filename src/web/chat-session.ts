import type { ChatContext, ChatReply, ChatTurn } from '../http/api-types.ts';

export type { ChatReply, ChatTurn };

/** One conversation with POST /v1/chat, as the widget and the console hold it: the server keeps no state, so this does. */
export class ChatSession {
  private readonly turns: ChatTurn[] = [];
  private context: ChatContext | undefined = undefined;

  constructor(private readonly post: (body: string) => Promise<ChatReply>) {}

  /** Send the person's next message; on failure the turn is forgotten so it can be sent again. */
  async send(message: { text?: string; har?: unknown }): Promise<ChatReply> {
    this.turns.push({ role: 'user', ...message });
    try {
      const reply = await this.post(
        JSON.stringify({ messages: this.turns, ...(this.context ? { context: this.context } : {}) }),
      );
      this.turns.push({ role: 'assistant', text: reply.reply });
      this.context = reply.context;
      return reply;
    } catch (error) {
      this.turns.pop();
      throw error;
    }
  }
}

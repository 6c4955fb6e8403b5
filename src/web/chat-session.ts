/** One conversation with POST /v1/chat, as the widget and the console hold it: the server keeps no state, so this does. */
export interface ChatTurn {
  role: 'user' | 'assistant';
  text?: string;
  har?: unknown;
}

export interface ChatReply {
  reply: string;
  causes: Array<{ id: string; title: string; confidence: number; article: { slug: string; title: string; url: string }; evidence: Array<{ detail: string }>; steps: Array<{ title: string; markdown: string }> }>;
  steps?: Array<{ id: string; title: string; markdown: string }>;
  question?: { id: string; text: string; options: string[] };
  handoff?: { summary: string; ticket: string };
  resolved?: boolean;
  context: unknown;
}

export class ChatSession {
  private readonly turns: ChatTurn[] = [];
  private context: unknown = undefined;

  constructor(private readonly post: (body: string) => Promise<ChatReply>) {}

  /** Send the person's next message; on failure the turn is forgotten so it can be sent again. */
  async send(message: { text?: string; har?: unknown }): Promise<ChatReply> {
    this.turns.push({ role: 'user', ...message });
    try {
      const reply = await this.post(JSON.stringify({ messages: this.turns, ...(this.context ? { context: this.context } : {}) }));
      this.turns.push({ role: 'assistant', text: reply.reply });
      this.context = reply.context;
      return reply;
    } catch (error) {
      this.turns.pop();
      throw error;
    }
  }
}

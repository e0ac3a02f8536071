"""PostgreSQL: each conversation's trigram bits, so a search walk skips conversations that cannot
match without reading their messages (issue 16, docs/indexes.md)

A word in a few percent of the messages (a word of one language: "pedido", "vollständig") is
answered by walking the list's newest conversations and checking each one's messages: about 860
conversations and 15,500 message rows for a page of 50, the one search still above 30 ms at p95
on a million messages. ``conversations.search_bits`` is a 1,024-bit signature of every
three-byte piece of the conversation's folded message texts (``messages.text_key``, UTF-8), one
bit per piece by a hash of it. A message that contains a term contains each of the term's
pieces, so the term's bits are all set in its conversation's. The walk reads a conversation's
messages only when they are (7-10 in 100 for such a word, nearly all of which match): a false
positive costs a read; a false negative cannot happen.

- ``chatdesk_trigram_bits(text)``: the signature of a text (SQL, immutable; pieces of its bytes
  and integer arithmetic, so no locale, extension or server version changes them; about 30
  microseconds for a message of 55 bytes).
- A trigger on ``messages`` ORs the bits of every new or edited text into its conversation's: one
  more update of a row the same transaction has just updated. The conversations table now leaves
  30 % of each page free (``fillfactor``), so that update stays on the row's page and touches no
  index (about 0.2 ms more per message measured; 0.6 ms on full pages). Bits are never cleared: a
  deleted or edited message leaves a superset, which only costs a read; erasing a message's text
  for privacy should rebuild its conversation's bits (below).
- ``chatdesk_rebuild_search_bits(ids)``: recomputes the bits of the conversations ``ids`` (all
  when NULL) from their messages; run here for the messages already stored (about 75 s per
  million messages, new messages waiting meanwhile) and by ``bench/seed_inbox.py`` after a bulk
  load.

SQLite needs none of it (its walk tests the FTS5 index's hits, docs/indexes.md) and is untouched.
The previous release keeps working: it neither reads the column nor needs to write it (the
trigger does).

Revision ID: 0026
Revises: 0025
Written by hand.
"""
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None
compatible_with_previous = True  # see above

BITS = 1024
ZERO = f"repeat('0', {BITS})::bit({BITS})"
# a piece's bit: its three UTF-8 bytes as one number, spread by Knuth's multiplicative hash (the
# top 10 of 32 bits); plain integer arithmetic, the same on every server and version
PIECE_BIT = ("((((get_byte(b, i) * 65536 + get_byte(b, i + 1) * 256 + get_byte(b, i + 2))::bigint * 2654435761)"
             f" >> 22) & {BITS - 1})::int")

STATEMENTS = [
    f"""CREATE OR REPLACE FUNCTION chatdesk_trigram_bits(t text) RETURNS bit({BITS})
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT coalesce(bit_or(set_bit({ZERO}, {PIECE_BIT}, 1)), {ZERO})
        FROM (SELECT convert_to(t, 'UTF8') AS b) AS utf8, generate_series(0, octet_length(b) - 3) AS i $$""",
    f"ALTER TABLE conversations ADD COLUMN IF NOT EXISTS search_bits bit({BITS}) NOT NULL DEFAULT {ZERO}",
    """CREATE OR REPLACE FUNCTION chatdesk_messages_search_bits() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE conversations SET search_bits = search_bits | chatdesk_trigram_bits(NEW.text_key)
            WHERE id = NEW.conversation_id;
            RETURN NULL;
        END $$""",
    "DROP TRIGGER IF EXISTS messages_search_bits ON messages",
    """CREATE TRIGGER messages_search_bits AFTER INSERT OR UPDATE OF text_key, conversation_id ON messages
        FOR EACH ROW WHEN (NEW.text_key IS NOT NULL) EXECUTE FUNCTION chatdesk_messages_search_bits()""",
    f"""CREATE OR REPLACE FUNCTION chatdesk_rebuild_search_bits(ids bigint[] DEFAULT NULL) RETURNS void
        LANGUAGE sql AS $$
        UPDATE conversations c SET search_bits = coalesce(s.bits, {ZERO})
        FROM conversations o LEFT JOIN (
            SELECT conversation_id, bit_or(chatdesk_trigram_bits(text_key)) AS bits FROM messages
            WHERE text_key IS NOT NULL AND (ids IS NULL OR conversation_id = ANY(ids)) GROUP BY conversation_id
        ) s ON s.conversation_id = o.id
        WHERE c.id = o.id AND (ids IS NULL OR o.id = ANY(ids))
          AND c.search_bits IS DISTINCT FROM coalesce(s.bits, {ZERO}) $$""",
    "ALTER TABLE conversations SET (fillfactor = 70)",
    "SELECT chatdesk_rebuild_search_bits()",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS messages_search_bits ON messages")
    op.execute("DROP FUNCTION IF EXISTS chatdesk_messages_search_bits()")
    op.execute("DROP FUNCTION IF EXISTS chatdesk_rebuild_search_bits(bigint[])")
    op.execute("ALTER TABLE conversations RESET (fillfactor)")
    op.execute("ALTER TABLE conversations DROP COLUMN IF EXISTS search_bits")
    op.execute("DROP FUNCTION IF EXISTS chatdesk_trigram_bits(text)")

package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"regexp"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/journal/journaltest"
)

// requireNamesSeqOnce checks that err's message names seq once, not once
// per layer that wrapped it.
func requireNamesSeqOnce(t *testing.T, err error, seq uint64) {
	t.Helper()
	re := regexp.MustCompile(fmt.Sprintf(`\bseq %d\b`, seq))
	require.Len(t, re.FindAllString(err.Error(), -1), 1, "seq %d named once in %q", seq, err)
}

// commandRecordV1For is the version-1 record of c, as journals written
// before rules versions were recorded hold it.
func commandRecordV1For(c *engine.Command, tab *crc32.Table) []byte {
	b := []byte{commandRecordV1}
	b = binary.BigEndian.AppendUint64(b, c.Seq)
	b = engine.AppendCommand(b, c)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, tab))
}

func TestVersion1RecordReadsAsRules0(t *testing.T) {
	tab := crc32.MakeTable(crc32.Castagnoli)
	cmds := journaltest.NewGen(3).Batch(20)
	journaltest.Stamp(cmds, 1, 1)
	for i := range cmds {
		var got engine.Command
		rules, err := decodeCommandRecord(cmds[i].Seq, commandRecordV1For(&cmds[i], tab), &got, tab, nil)
		require.NoError(t, err)
		require.Zero(t, rules)
		require.Equal(t, engine.AppendCommand(nil, &cmds[i]), engine.AppendCommand(nil, &got))
	}
}

func TestMalformedRulesVersionIsCorrupt(t *testing.T) {
	tab := crc32.MakeTable(crc32.Castagnoli)
	cmds := journaltest.NewGen(3).Batch(1)
	journaltest.Stamp(cmds, 1, 1)
	for name, field := range map[string][]byte{
		"unterminated":  {0x80, 0x80, 0x80, 0x80, 0x80, 0x80},
		"above 32 bits": binary.AppendUvarint(nil, 1<<32),
	} {
		b := []byte{commandRecordV2}
		b = binary.BigEndian.AppendUint64(b, 1)
		b = append(b, field...)
		b = engine.AppendCommand(b, &cmds[0])
		b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, tab))
		var got engine.Command
		_, err := decodeCommandRecord(1, b, &got, tab, nil)
		require.ErrorIs(t, err, ErrCorrupt, name)
		require.ErrorContains(t, err, "seq 1: malformed rules version", name)
	}
}

// TestRecoverRefusesOtherRules: commands journaled by one build (rules 7)
// are not replayed by another (rules 8), which names the seq and both
// versions; a snapshot taken by the first build carries the state across,
// and the second then replays only its own commands. Scan refuses the
// other build's commands too (it is for re-applying them), ScanRecords
// reports each command's version, and AnyRules replays them knowingly.
func TestRecoverRefusesOtherRules(t *testing.T) {
	fs := vfs.NewMem()
	g := journaltest.NewGen(4)
	j := openT(t, fs, Options{Rules: 7})
	require.Equal(t, uint32(7), j.Rules())
	e := engine.New()
	d100 := fill(t, j, e, g, 100, 9)
	require.NoError(t, j.Close())

	// The next build cannot replay the old build's commands.
	j = openT(t, fs, Options{Rules: 8})
	_, err := j.Recover(engine.New(), ReplayOptions{})
	require.ErrorIs(t, err, ErrRules)
	require.ErrorContains(t, err, "seq 1 was journaled under engine rules 7; this build applies rules 8")
	// Unless told to, for an investigation.
	e2, st := recoverT(t, j, ReplayOptions{AnyRules: true})
	require.Equal(t, d100, e2.Digest())
	require.Equal(t, uint64(100), st.OtherRules)
	require.Equal(t, uint64(1), st.FirstOtherRules)
	require.NoError(t, j.Close())

	// The old build takes a snapshot (as a graceful stop does): the next
	// build starts from it and journals under its own rules.
	j = openT(t, fs, Options{Rules: 7})
	e = engine.New()
	_, err = j.Recover(e, ReplayOptions{})
	require.NoError(t, err)
	require.NoError(t, j.WriteSnapshot(100, e.Digest(), e.Snapshot(nil)))
	require.NoError(t, j.Close())
	j = openT(t, fs, Options{Rules: 8})
	e, st = recoverT(t, j, ReplayOptions{})
	require.Equal(t, ReplayStats{SnapshotSeq: 100, LastSeq: 100}, ReplayStats{SnapshotSeq: st.SnapshotSeq, Replayed: st.Replayed, LastSeq: st.LastSeq})
	want := fill(t, j, e, g, 50, 7)
	require.NoError(t, j.Close())

	j = openT(t, fs, Options{Rules: 8})
	e3, st := recoverT(t, j, ReplayOptions{})
	require.Equal(t, want, e3.Digest())
	require.Equal(t, uint64(50), st.Replayed)
	require.Zero(t, st.OtherRules)
	// From seq 1, the old build's commands stop the replay.
	_, err = j.Recover(engine.New(), ReplayOptions{NoSnapshot: true})
	require.ErrorIs(t, err, ErrRules)
	require.ErrorContains(t, err, "seq 1 was journaled under engine rules 7")
	requireNamesSeqOnce(t, err, 1)
	// Scan re-applies: it refuses them as well; ScanRecords reads them.
	err = j.Scan(0, 0, func(*engine.Command) error { return nil })
	require.ErrorIs(t, err, ErrRules)
	requireNamesSeqOnce(t, err, 1)
	// Any other error of fn is still given the seq it failed at.
	err = j.Scan(101, 0, func(*engine.Command) error { return errors.New("test: stop") })
	require.EqualError(t, err, "journal: seq 101: test: stop")
	var n int
	require.NoError(t, j.Scan(101, 0, func(*engine.Command) error { n++; return nil }))
	require.Equal(t, 50, n)
	seen := map[uint32]int{}
	require.NoError(t, j.ScanRecords(0, 0, func(c *engine.Command, rules uint32) error {
		seen[rules]++
		return nil
	}))
	require.Equal(t, map[uint32]int{7: 100, 8: 50}, seen)
	require.NoError(t, j.Close())

	// Going back is refused in the same way: the old build restores the
	// snapshot and meets the new build's first command.
	j = openT(t, fs, Options{Rules: 7})
	defer j.Close()
	_, err = j.Recover(engine.New(), ReplayOptions{})
	require.ErrorIs(t, err, ErrRules)
	require.ErrorContains(t, err, "seq 101 was journaled under engine rules 8; this build applies rules 7")
}

// TestUnrecordedRulesRefused: a journal written before rules versions were
// recorded (version-1 records) is not replayed silently under this build's
// rules; the error says what rules 0 means.
func TestUnrecordedRulesRefused(t *testing.T) {
	fs := vfs.NewMem()
	j := openT(t, fs, Options{})
	cmds := journaltest.NewGen(6).Batch(30)
	journaltest.Stamp(cmds, 1, 10)
	b := j.db.NewBatch()
	for i := range cmds {
		require.NoError(t, b.Set(makeKey(prefixCommand, cmds[i].Seq), commandRecordV1For(&cmds[i], j.tab), nil))
	}
	require.NoError(t, j.db.Apply(b, pebble.Sync))
	require.NoError(t, j.Close())

	j = openT(t, fs, Options{})
	defer j.Close()
	require.Equal(t, uint64(30), j.LastSeq())
	_, err := j.Recover(engine.New(), ReplayOptions{})
	require.ErrorIs(t, err, ErrRules)
	require.ErrorContains(t, err, fmt.Sprintf("seq 1 was journaled under engine rules 0 (unrecorded: journaled before rules versions were kept); this build applies rules %d", engine.RulesVersion))

	want := engine.New()
	var out engine.Output
	for i := range cmds {
		out.Reset()
		want.Apply(&cmds[i], &out)
	}
	got, st := recoverT(t, j, ReplayOptions{AnyRules: true})
	require.Equal(t, want.Digest(), got.Digest())
	require.Equal(t, uint64(30), st.OtherRules)
}

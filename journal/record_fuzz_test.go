package journal

import (
	"hash/crc32"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine"
	"github.com/ordercore/oms/journal/journaltest"
)

// FuzzDecodeRecord feeds arbitrary bytes to the record decoders: they never
// panic, and whatever they accept is consistent with the key's seq.
func FuzzDecodeRecord(f *testing.F) {
	tab := crc32.MakeTable(crc32.Castagnoli)
	cmds := journaltest.NewGen(1).Batch(20)
	journaltest.Stamp(cmds, 1, 1)
	for i := range cmds {
		f.Add(uint64(i+1), appendCommandRecord(nil, &cmds[i], uint32(i), tab))
		f.Add(uint64(i+1), commandRecordV1For(&cmds[i], tab))
	}
	f.Add(uint64(7), appendSnapshotRecord(nil, 7, engine.Digest{1}, []byte{1, 2, 3}, tab))
	f.Add(uint64(0), []byte{})
	f.Fuzz(func(t *testing.T, seq uint64, rec []byte) {
		var c engine.Command
		if _, err := decodeCommandRecord(seq, rec, &c, tab, nil); err == nil {
			require.Equal(t, seq, c.Seq)
		} else {
			require.ErrorIs(t, err, ErrCorrupt)
		}
		if _, _, err := decodeSnapshotRecord(seq, rec, tab); err != nil {
			require.ErrorIs(t, err, ErrCorrupt)
		}
	})
}

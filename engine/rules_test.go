package engine_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ordercore/oms/engine"
)

// TestRulesPinned ties the pinned behaviour of both halves to
// engine.RulesVersion: each half pins the digest its fixed streams reach
// (TestBookRulesPinned, TestCommerceRulesPinned) together with the rules
// version the digest was taken under, which must be this one. Bumping
// RulesVersion without re-pinning fails here; so does re-pinning under a
// new version without bumping it.
func TestRulesPinned(t *testing.T) {
	for _, file := range []string{"book/rules_pin_test.go", "commerce/rules_pin_test.go"} {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
		require.NoError(t, err)
		var pinned string
		ast.Inspect(f, func(n ast.Node) bool {
			if vs, ok := n.(*ast.ValueSpec); ok && len(vs.Names) == 1 && vs.Names[0].Name == "pinnedRules" && len(vs.Values) == 1 {
				if lit, ok := vs.Values[0].(*ast.BasicLit); ok {
					pinned = lit.Value
				}
			}
			return true
		})
		require.NotEmpty(t, pinned, "%s: no pinnedRules constant", file)
		v, err := strconv.ParseUint(pinned, 10, 32)
		require.NoError(t, err, "%s: pinnedRules", file)
		require.Equal(t, uint64(engine.RulesVersion), v,
			"%s pins its digest under rules %d, but engine.RulesVersion is %d: re-pin it under the new version (see engine/book/rules_pin_test.go)",
			file, v, engine.RulesVersion)
	}
}

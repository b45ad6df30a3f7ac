package engine_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// allowedImports is what engine code (tests excluded) may import: the pure
// parts of the standard library, tidwall/btree, and the engine's own packages.
// The engine must be deterministic and driven from outside, so clocks, the
// OS, concurrency and randomness are out.
var forbiddenStd = map[string]string{
	"time":          "the engine's only clock is the command's Time",
	"os":            "the engine does no IO",
	"os/exec":       "the engine does no IO",
	"os/signal":     "the engine does no IO",
	"io/ioutil":     "the engine does no IO",
	"net":           "the engine does no IO",
	"net/http":      "the engine does no IO",
	"sync":          "the engine is single-threaded by contract",
	"sync/atomic":   "the engine is single-threaded by contract",
	"math/rand":     "randomness breaks determinism",
	"math/rand/v2":  "randomness breaks determinism",
	"crypto/rand":   "randomness breaks determinism",
	"context":       "the engine is driven one command at a time",
	"log":           "the engine reports through events",
	"log/slog":      "the engine reports through events",
	"unsafe":        "no unsafe in the core",
	"runtime":       "no runtime tricks in the core",
	"reflect":       "no reflection in the core",
	"encoding/json": "the engine's encoding is canonical binary (engine/wire)",
}

const module = "github.com/ordercore/oms"

func engineFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			files = append(files, path)
		}
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// TestEnginePure keeps the engine a pure, deterministic state machine.
func TestEnginePure(t *testing.T) {
	fset := token.NewFileSet()
	for _, path := range engineFiles(t) {
		f, err := parser.ParseFile(fset, path, nil, 0)
		require.NoError(t, err)
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if why, bad := forbiddenStd[p]; bad {
				t.Errorf("%s imports %q: %s", path, p, why)
			}
			if strings.Contains(strings.SplitN(p, "/", 2)[0], ".") &&
				p != "github.com/tidwall/btree" && !strings.HasPrefix(p, module+"/engine") {
				t.Errorf("%s imports %q: only the standard library and tidwall/btree are allowed", path, p)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.GoStmt:
				t.Errorf("%s: go statement at %s: the engine starts no goroutines", path, fset.Position(x.Pos()))
			case *ast.ChanType:
				t.Errorf("%s: channel type at %s: the engine uses no channels", path, fset.Position(x.Pos()))
			case *ast.SendStmt:
				t.Errorf("%s: channel send at %s", path, fset.Position(x.Pos()))
			}
			return true
		})
		// No package-level mutable state: top-level var declarations are only
		// allowed for tables that are never written (checked by name
		// convention is too weak, so none are allowed except arrays of
		// strings used as name tables).
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if isNameTable(vs) || isSentinelError(vs) {
					continue
				}
				t.Errorf("%s: package-level var %s at %s: no package-level mutable state",
					path, vs.Names[0].Name, fset.Position(vs.Pos()))
			}
		}
	}
}

// isNameTable accepts `var xNames = [...]string{...}`: read-only lookup
// tables for String methods.
func isNameTable(vs *ast.ValueSpec) bool {
	if len(vs.Values) != 1 {
		return false
	}
	cl, ok := vs.Values[0].(*ast.CompositeLit)
	if !ok {
		return false
	}
	at, ok := cl.Type.(*ast.ArrayType)
	if !ok {
		return false
	}
	id, ok := at.Elt.(*ast.Ident)
	return ok && id.Name == "string" && strings.HasSuffix(vs.Names[0].Name, "Names")
}

// isSentinelError accepts `var ErrX = errors.New(...)` (or errX).
func isSentinelError(vs *ast.ValueSpec) bool {
	if len(vs.Values) != 1 || !strings.HasPrefix(strings.ToLower(vs.Names[0].Name), "err") {
		return false
	}
	call, ok := vs.Values[0].(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "New"
}

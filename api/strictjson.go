package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"

	"github.com/seed6ab08d10/agora-token-server/service"
)

// bindStrictJSON reads one JSON object into req, refusing other media
// types, keys req does not spell exactly (checkKeys), and anything after
// the object, then applies req's validation rules. Gin's own JSON binding
// is left lenient, because the compatible routes must keep accepting the
// extra fields their clients send. The body is bounded by the BodyLimit
// every route has: past it, the read fails with *http.MaxBytesError,
// which becomes the server's one 413 answer.
func bindStrictJSON(c *gin.Context, req any) error {
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || mt != binding.MIMEJSON {
		return service.Errorf(service.UnsupportedMediaType, "send the body as %s", binding.MIMEJSON)
	}
	// Body is nil only when a handler is called directly, not behind net/http.
	data, err := io.ReadAll(cmp.Or[io.ReadCloser](c.Request.Body, http.NoBody))
	if err != nil {
		return err
	}
	if !json.Valid(data) {
		// Not one JSON value: the decoder says what is wrong with the
		// first, and if nothing is, the fault is what follows it.
		if err := json.NewDecoder(bytes.NewReader(data)).Decode(req); err != nil {
			return err
		}
		return service.Invalidf("", "the body must hold one JSON object and nothing after it")
	}
	if err := checkKeys(data, reflect.TypeOf(req)); err != nil {
		return err
	}
	if err := json.Unmarshal(data, req); err != nil {
		return err
	}
	return binding.Validator.ValidateStruct(req)
}

// checkKeys walks data, one valid JSON value, beside t, the type it is to
// be decoded into, and refuses each key of an object that encoding/json
// would take without a word: one its struct does not have, one spelled
// otherwise than its field (encoding/json matches names whatever their
// case), and one given twice (the last would win). Each is named by its
// path, such as "privileges.foo". What is not a key, such as a value of
// the wrong type, is left to the decoder.
//
// A client chooses the shape of what is walked, so the walk costs time
// in proportion to the size of data whatever that shape: the keys seen
// are kept in a set, and a path is spelled out only for the error.
func checkKeys(data []byte, t reflect.Type) error {
	return (&keyWalker{data: data}).value(t)
}

// keyWalker reads JSON already known to be valid, so it checks nothing of
// the syntax, and looks at the keys only. at holds the steps from the
// root to the value being read.
type keyWalker struct {
	data []byte
	pos  int
	at   []step
}

// step is a key of an object, or else the index of an array's element.
type step struct {
	key   string
	index int // -1 for a key
}

func (w *keyWalker) value(t reflect.Type) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	w.skipSpace()
	switch c := w.data[w.pos]; {
	case c == '{' && isKind(t, reflect.Struct, reflect.Map, reflect.Interface):
		return w.object(t)
	case c == '[' && isKind(t, reflect.Slice, reflect.Array, reflect.Interface):
		return w.array(t)
	case c == '{' || c == '[':
		// encoding/json refuses it whole: nothing inside is worth a look.
		w.skipNested()
	case c == '"':
		w.skipString()
	default: // a number, true, false or null
		for w.pos < len(w.data) && strings.IndexByte(",]} \t\r\n", w.data[w.pos]) < 0 {
			w.pos++
		}
	}
	return nil
}

func (w *keyWalker) object(t reflect.Type) error {
	fields := jsonFields(t)
	seen := map[string]struct{}{}
	w.pos++ // {
	for {
		w.skipSpace()
		switch w.data[w.pos] {
		case '}':
			w.pos++
			return nil
		case ',':
			w.pos++
			w.skipSpace()
		}
		key := w.key()
		w.at = append(w.at, step{key: key, index: -1})
		if _, twice := seen[key]; twice {
			return service.Invalidf(w.path(), "is given more than once")
		}
		seen[key] = struct{}{}
		ft := elemOf(t)
		if fields != nil {
			var known bool
			if ft, known = fields[key]; !known {
				return unknownKey(w.path(), key, fields)
			}
		}
		w.skipSpace()
		w.pos++ // :
		if err := w.value(ft); err != nil {
			return err
		}
		w.at = w.at[:len(w.at)-1]
	}
}

func (w *keyWalker) array(t reflect.Type) error {
	elem := elemOf(t)
	w.pos++ // [
	for i := 0; ; i++ {
		w.skipSpace()
		switch w.data[w.pos] {
		case ']':
			w.pos++
			return nil
		case ',':
			w.pos++
		}
		w.at = append(w.at, step{index: i})
		if err := w.value(elem); err != nil {
			return err
		}
		w.at = w.at[:len(w.at)-1]
	}
}

// path names the value being read, such as "privileges.foo" or
// "rtm[2].x". A key that is the empty string still needs a name a client
// can read.
func (w *keyWalker) path() string {
	var b strings.Builder
	for i, s := range w.at {
		switch {
		case s.index >= 0:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		case i > 0:
			b.WriteByte('.')
			fallthrough
		default:
			b.WriteString(cmp.Or(s.key, `""`))
		}
	}
	return b.String()
}

// key reads an object's key as encoding/json would, escapes decoded.
func (w *keyWalker) key() string {
	raw := w.skipString()
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	var key string
	_ = json.Unmarshal(raw, &key) // valid JSON: cannot fail
	return key
}

// skipString steps over a string and returns it, quotes included.
func (w *keyWalker) skipString() []byte {
	start := w.pos
	for w.pos++; w.data[w.pos] != '"'; w.pos++ {
		if w.data[w.pos] == '\\' {
			w.pos++ // the escaped byte cannot end the string
		}
	}
	w.pos++
	return w.data[start:w.pos]
}

func (w *keyWalker) skipNested() {
	depth := 0
	for {
		switch w.data[w.pos] {
		case '"':
			w.skipString()
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}
		w.pos++
		if depth == 0 {
			return
		}
	}
}

func isKind(t reflect.Type, kinds ...reflect.Kind) bool {
	return t != nil && slices.Contains(kinds, t.Kind())
}

// elemOf is the type of what an object or array read into a value of
// type t holds, unless t is a struct, whose fields say it key by key.
func elemOf(t reflect.Type) reflect.Type {
	switch t.Kind() {
	case reflect.Map, reflect.Slice, reflect.Array:
		return t.Elem()
	}
	return t // an interface holds more of the same
}

func (w *keyWalker) skipSpace() {
	for w.pos < len(w.data) && strings.IndexByte(" \t\r\n", w.data[w.pos]) >= 0 {
		w.pos++
	}
}

// fieldsOf caches jsonFields: request types are few and never change.
var fieldsOf sync.Map // reflect.Type -> map[string]reflect.Type

// jsonFields maps the JSON names of struct type t's fields to their
// types, or is nil when t is not a struct, whose keys are then not
// checked. The /v1 bodies embed no structs, so none are looked into.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	if fields, ok := fieldsOf.Load(t); ok {
		return fields.(map[string]reflect.Type)
	}
	fields := map[string]reflect.Type{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case !f.IsExported() || name == "-":
			continue
		case name == "":
			name = f.Name
		}
		fields[name] = f.Type
	}
	fieldsOf.Store(t, fields)
	return fields
}

// unknownKey refuses a key, with the field it was likely meant to be
// when it differs from one only in case.
func unknownKey(name, key string, fields map[string]reflect.Type) error {
	for field := range fields {
		if strings.EqualFold(field, key) {
			return service.Invalidf(name, "is not a known field; names are case-sensitive: did you mean %s?", field)
		}
	}
	return service.Invalidf(name, "is not a known field")
}

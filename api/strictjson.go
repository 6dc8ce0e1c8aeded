package api

import (
	"bytes"
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
	body := c.Request.Body
	if body == nil {
		body = http.NoBody
	}
	data, err := io.ReadAll(body)
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
func checkKeys(data []byte, t reflect.Type) error {
	w := keyWalker{data: data}
	return w.value(t, "")
}

// keyWalker reads JSON already known to be valid, so it checks nothing of
// the syntax, and looks at the keys only.
type keyWalker struct {
	data []byte
	pos  int
}

func (w *keyWalker) value(t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	w.skipSpace()
	switch w.data[w.pos] {
	case '{':
		return w.object(t, path)
	case '[':
		return w.array(t, path)
	case '"':
		w.skipString()
	default: // a number, true, false or null
		for w.pos < len(w.data) && strings.IndexByte(",]} \t\r\n", w.data[w.pos]) < 0 {
			w.pos++
		}
	}
	return nil
}

func (w *keyWalker) object(t reflect.Type, path string) error {
	fields := jsonFields(t)
	var seen []string
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
		name := keyPath(path, key)
		if slices.Contains(seen, key) {
			return service.Invalidf(name, "is given more than once")
		}
		seen = append(seen, key)
		var ft reflect.Type
		if fields != nil {
			var known bool
			if ft, known = fields[key]; !known {
				return unknownKey(name, key, fields)
			}
		}
		w.skipSpace()
		w.pos++ // :
		if err := w.value(ft, name); err != nil {
			return err
		}
	}
}

func (w *keyWalker) array(t reflect.Type, path string) error {
	var elem reflect.Type
	if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
		elem = t.Elem()
	}
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
		if err := w.value(elem, path+"["+strconv.Itoa(i)+"]"); err != nil {
			return err
		}
	}
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

func (w *keyWalker) skipSpace() {
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case ' ', '\t', '\r', '\n':
			w.pos++
		default:
			return
		}
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
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
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

// keyPath is the path of key in the object at path. A key that is the
// empty string still needs a name a client can read.
func keyPath(path, key string) string {
	if key == "" {
		key = `""`
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

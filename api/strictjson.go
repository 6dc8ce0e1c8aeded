package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

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
	if err := checkKeys(data, reflect.TypeOf(req)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(req); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return service.Invalidf("", "the body must hold one JSON object and nothing after it")
	}
	return binding.Validator.ValidateStruct(req)
}

// checkKeys walks the first JSON value in data beside t, the type it is
// to be decoded into, and refuses each key of an object that encoding/json
// would take without a word: one its struct does not have, one spelled
// otherwise than its field (encoding/json matches names whatever their
// case), and one given twice (the last would win). Each is named by its
// path, such as "privileges.foo". What is not a key, such as a value of
// the wrong type, is left to the decoder. A body that is not JSON fails
// here with the decoder's own error.
func checkKeys(data []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	err := walkKeys(dec, t, "")
	if errors.Is(err, io.EOF) && len(bytes.TrimSpace(data)) > 0 {
		return io.ErrUnexpectedEOF // cut short, not empty
	}
	return err
}

func walkKeys(dec *json.Decoder, t reflect.Type, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch tok {
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := walkKeys(dec, elem, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	case json.Delim('{'):
		fields := jsonFields(t)
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			name := keyPath(path, key)
			if seen[key] {
				return service.Invalidf(name, "is given more than once")
			}
			seen[key] = true
			var ft reflect.Type
			if fields != nil {
				var known bool
				if ft, known = fields[key]; !known {
					return unknownKey(name, key, fields)
				}
			}
			if err := walkKeys(dec, ft, name); err != nil {
				return err
			}
		}
	default:
		return nil // a string, number, true, false or null
	}
	_, err = dec.Token() // the closing bracket or brace
	return err
}

// jsonFields maps the JSON names of struct type t's fields to their
// types, or is nil when t is not a struct, whose keys are then not
// checked. The /v1 bodies embed no structs, so none are looked into.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if t == nil || t.Kind() != reflect.Struct {
		return nil
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

package catalog

import (
	"context"
	"encoding/json"
	"time"

	"github.com/lingo-labs/lingo/domain/catalog"
	"github.com/lingo-labs/lingo/ports"
)

// Namespace is the cache namespace of every catalog read. One namespace for
// the whole catalog is enough: admin writes are rare, and a lesson's change
// alters its course's lesson_count and total_xp in the list as well as the
// course's own page.
const Namespace = "catalog"

// TTL is how long a catalog read is kept. Writes bump the namespace, so the
// TTL only bounds staleness when a bump fails.
const TTL = time.Minute

// Option configures the service.
type Option func(*Service)

// WithCache makes the catalog reads go through cache; onBumpError is told
// when a write committed but its bump failed (the TTL then bounds how long
// the old value can be served). A nil onBumpError ignores such failures.
func WithCache(cache ports.Cache, onBumpError func(namespace string, err error)) Option {
	return func(s *Service) { s.cache, s.onBumpError = cache, onBumpError }
}

// bump invalidates every cached catalog read after a committed write. It
// runs detached from ctx's cancellation: the write is done, and a client that
// hung up must not leave the old catalog readable for a whole TTL.
func (s *Service) bump(ctx context.Context) {
	if s.cache == nil {
		return
	}
	if err := s.cache.Bump(context.WithoutCancel(ctx), Namespace); err != nil && s.onBumpError != nil {
		s.onBumpError(Namespace, err)
	}
}

// readThrough loads through the cache when there is one.
func readThrough[T any](ctx context.Context, s *Service, name string, codec ports.Codec[T], load func(context.Context) (T, error)) (T, error) {
	if s.cache == nil {
		return load(ctx)
	}
	return ports.ReadThrough(ctx, s.cache, Namespace, name, TTL, codec, load)
}

// entryRecord is a course entry as the cache keeps it: the course's record,
// restored through catalog.RestoreCourse when read back.
type entryRecord struct {
	Course      catalog.CourseRecord
	LessonCount int
	TotalXP     int
}

func recordOf(e ports.CourseEntry) entryRecord {
	return entryRecord{Course: e.Course.Record(), LessonCount: e.LessonCount, TotalXP: e.TotalXP}
}

func (r entryRecord) restore() (ports.CourseEntry, error) {
	c, err := catalog.RestoreCourse(r.Course)
	if err != nil {
		return ports.CourseEntry{}, err
	}
	return ports.CourseEntry{Course: c, LessonCount: r.LessonCount, TotalXP: r.TotalXP}, nil
}

// coursesCodec caches the course list as records, so that the values read
// back are validated as if loaded from the database.
var coursesCodec = ports.Codec[[]ports.CourseEntry]{
	Encode: func(es []ports.CourseEntry) ([]byte, error) {
		rs := make([]entryRecord, len(es))
		for i, e := range es {
			rs[i] = recordOf(e)
		}
		return json.Marshal(rs)
	},
	Decode: func(b []byte) ([]ports.CourseEntry, error) {
		var rs []entryRecord
		if err := json.Unmarshal(b, &rs); err != nil {
			return nil, err
		}
		es := make([]ports.CourseEntry, len(rs))
		for i, r := range rs {
			e, err := r.restore()
			if err != nil {
				return nil, err
			}
			es[i] = e
		}
		return es, nil
	},
}

// courseDetail is one course's page: the entry and its lessons.
type courseDetail struct {
	entry   ports.CourseEntry
	lessons []catalog.Lesson
}

type courseDetailRecord struct {
	Entry   entryRecord
	Lessons []catalog.LessonRecord
}

var courseDetailCodec = ports.Codec[courseDetail]{
	Encode: func(d courseDetail) ([]byte, error) {
		r := courseDetailRecord{Entry: recordOf(d.entry), Lessons: make([]catalog.LessonRecord, len(d.lessons))}
		for i, l := range d.lessons {
			r.Lessons[i] = l.Record()
		}
		return json.Marshal(r)
	},
	Decode: func(b []byte) (courseDetail, error) {
		var r courseDetailRecord
		if err := json.Unmarshal(b, &r); err != nil {
			return courseDetail{}, err
		}
		e, err := r.Entry.restore()
		if err != nil {
			return courseDetail{}, err
		}
		d := courseDetail{entry: e, lessons: make([]catalog.Lesson, len(r.Lessons))}
		for i, lr := range r.Lessons {
			if d.lessons[i], err = catalog.RestoreLesson(lr); err != nil {
				return courseDetail{}, err
			}
		}
		return d, nil
	},
}

package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	appcatalog "github.com/lingo-labs/lingo/application/catalog"
	"github.com/lingo-labs/lingo/domain/catalog"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

// CatalogHandler serves the catalog routes (the OpenAPI document's catalog tag).
type CatalogHandler struct {
	svc  *appcatalog.Service
	gate Gate
}

// NewCatalogHandler makes the catalog routes.
func NewCatalogHandler(svc *appcatalog.Service, gate Gate) *CatalogHandler {
	return &CatalogHandler{svc: svc, gate: gate}
}

func (h *CatalogHandler) Routes() []Route {
	return []Route{
		{http.MethodGet, "/courses", ClassGeneral, SignedIn, h.list},
		{http.MethodGet, "/courses/:id", ClassGeneral, SignedIn, h.get},
		{http.MethodPost, "/admin/courses", ClassAuth, AdminOnly, h.createCourse},
		{http.MethodPatch, "/admin/courses/:id", ClassAuth, AdminOnly, h.patchCourse},
		{http.MethodPost, "/admin/courses/:id/lessons", ClassAuth, AdminOnly, h.addLesson},
		{http.MethodPatch, "/admin/lessons/:id", ClassAuth, AdminOnly, h.patchLesson},
	}
}

// CourseDTO is Course.
type CourseDTO struct {
	ID          string `json:"id"`
	Slug        string `json:"slug"`
	Title       string `json:"title"`
	Language    string `json:"language"`
	Level       string `json:"level"`
	Description string `json:"description"`
	LessonCount int    `json:"lesson_count"`
	TotalXP     int    `json:"total_xp"`
}

// LessonDTO is Lesson.
type LessonDTO struct {
	ID       string `json:"id"`
	CourseID string `json:"course_id"`
	Slug     string `json:"slug"`
	Title    string `json:"title"`
	Position int    `json:"position"`
	XPReward int    `json:"xp_reward"`
}

type courseDetailDTO struct {
	CourseDTO
	Lessons []LessonDTO `json:"lessons"`
}

func courseDTO(e ports.CourseEntry) CourseDTO {
	c := e.Course
	return CourseDTO{ID: c.ID(), Slug: c.Slug(), Title: c.Title(), Language: c.Language().String(), Level: c.Level().String(),
		Description: c.Description(), LessonCount: e.LessonCount, TotalXP: e.TotalXP}
}

func lessonDTO(l catalog.Lesson) LessonDTO {
	return LessonDTO{ID: l.ID(), CourseID: l.CourseID(), Slug: l.Slug(), Title: l.Title(), Position: l.Position(), XPReward: l.XPReward()}
}

func (h *CatalogHandler) list(c *gin.Context) {
	courses, err := h.svc.Courses(c.Request.Context())
	if err != nil {
		Fail(c, err)
		return
	}
	out := make([]CourseDTO, 0, len(courses))
	for _, e := range courses {
		out = append(out, courseDTO(e))
	}
	OK(c, http.StatusOK, out, "Courses retrieved")
}

func (h *CatalogHandler) get(c *gin.Context) {
	e, lessons, err := h.svc.Course(c.Request.Context(), c.Param("id"))
	if err != nil {
		Fail(c, err)
		return
	}
	out := courseDetailDTO{CourseDTO: courseDTO(e), Lessons: make([]LessonDTO, 0, len(lessons))}
	for _, l := range lessons {
		out.Lessons = append(out.Lessons, lessonDTO(l))
	}
	OK(c, http.StatusOK, out, "Course retrieved")
}

type createCourseDTO struct {
	Slug        string `json:"slug" validate:"required"`
	Title       string `json:"title" validate:"required"`
	Language    string `json:"language" validate:"required"`
	Level       string `json:"level" validate:"required"`
	Description string `json:"description" text:"multiline"`
}

func (h *CatalogHandler) createCourse(c *gin.Context) {
	var in createCourseDTO
	err := Bind(c, &in)
	input := catalog.CourseInput{Slug: in.Slug, Title: in.Title, Language: in.Language, Level: in.Level, Description: in.Description}
	if err := errs.Merge(err, input.Validate()); err != nil {
		Fail(c, err)
		return
	}
	e, err := h.svc.CreateCourse(c.Request.Context(), input)
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusCreated, courseDTO(e), "Course created")
}

type patchCourseDTO struct {
	Slug        *string `json:"slug"`
	Title       *string `json:"title"`
	Language    *string `json:"language"`
	Level       *string `json:"level"`
	Description *string `json:"description" text:"multiline"`
}

func (h *CatalogHandler) patchCourse(c *gin.Context) {
	var in patchCourseDTO
	if err := errs.Merge(Bind(c, &in), catalog.CoursePatch(in).Validate()); err != nil {
		Fail(c, err)
		return
	}
	e, err := h.svc.PatchCourse(c.Request.Context(), c.Param("id"), catalog.CoursePatch(in))
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, courseDTO(e), "Course updated")
}

type addLessonDTO struct {
	Slug     string `json:"slug" validate:"required"`
	Title    string `json:"title" validate:"required"`
	Position *int   `json:"position"`
	XPReward *int   `json:"xp_reward"`
}

func (h *CatalogHandler) addLesson(c *gin.Context) {
	var in addLessonDTO
	if err := errs.Merge(Bind(c, &in), catalog.LessonInput(in).Validate()); err != nil {
		Fail(c, err)
		return
	}
	l, err := h.svc.AddLesson(c.Request.Context(), c.Param("id"), catalog.LessonInput(in))
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusCreated, lessonDTO(l), "Lesson created")
}

type patchLessonDTO struct {
	Slug     *string `json:"slug"`
	Title    *string `json:"title"`
	Position *int    `json:"position"`
	XPReward *int    `json:"xp_reward"`
}

func (h *CatalogHandler) patchLesson(c *gin.Context) {
	var in patchLessonDTO
	if err := errs.Merge(Bind(c, &in), catalog.LessonPatch(in).Validate()); err != nil {
		Fail(c, err)
		return
	}
	l, err := h.svc.PatchLesson(c.Request.Context(), c.Param("id"), catalog.LessonPatch(in))
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, lessonDTO(l), "Lesson updated")
}

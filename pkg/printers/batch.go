package printers

import (
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

func init() {
	batch := batchv1.SchemeGroupVersion

	register(batch.WithResource("jobs"), Table{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			col("Status", "string", "Status of the job."),
			col("Completions", "string", batchv1.JobStatus{}.SwaggerDoc()["succeeded"]),
			col("Duration", "string", "Time required to complete the job."),
			ageColumn(),
			wideCol("Containers", "string", containersDescription),
			wideCol("Images", "string", imagesDescription),
			wideCol("Selector", "string", batchv1.JobSpec{}.SwaggerDoc()["selector"]),
		},
		Cells: rowOf(jobRow),
	})

	register(batch.WithResource("cronjobs"), Table{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			col("Schedule", "string", batchv1.CronJobSpec{}.SwaggerDoc()["schedule"]),
			col("Timezone", "string", batchv1.CronJobSpec{}.SwaggerDoc()["timeZone"]),
			col("Suspend", "boolean", batchv1.CronJobSpec{}.SwaggerDoc()["suspend"]),
			col("Active", "integer", batchv1.CronJobStatus{}.SwaggerDoc()["active"]),
			col("Last Schedule", "string", batchv1.CronJobStatus{}.SwaggerDoc()["lastScheduleTime"]),
			ageColumn(),
			wideCol("Containers", "string", containersDescription),
			wideCol("Images", "string", imagesDescription),
			wideCol("Selector", "string", batchv1.JobSpec{}.SwaggerDoc()["selector"]),
		},
		Cells: rowOf(cronJobRow),
	})
}

func jobRow(job *batchv1.Job, now time.Time) []any {
	names, images := containerCells(job.Spec.Template.Spec.Containers)
	return []any{
		job.Name,
		jobStatus(job),
		jobCompletions(job),
		jobDuration(job, now),
		age(job.CreationTimestamp, now),
		names,
		images,
		metav1.FormatLabelSelector(job.Spec.Selector),
	}
}

// jobStatus picks the job's most significant state: finished states first,
// then deletion, then the transient conditions, else Running.
func jobStatus(job *batchv1.Job) string {
	switch {
	case jobCondition(job, batchv1.JobComplete):
		return "Complete"
	case jobCondition(job, batchv1.JobFailed):
		return "Failed"
	case job.DeletionTimestamp != nil:
		return "Terminating"
	case jobCondition(job, batchv1.JobSuspended):
		return "Suspended"
	case jobCondition(job, batchv1.JobFailureTarget):
		return "FailureTarget"
	case jobCondition(job, batchv1.JobSuccessCriteriaMet):
		return "SuccessCriteriaMet"
	default:
		return "Running"
	}
}

// jobCondition tells whether the job's first condition of type t is true.
func jobCondition(job *batchv1.Job, t batchv1.JobConditionType) bool {
	for _, c := range job.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// jobCompletions renders succeeded/completions; a job without a completion
// count needs one success, shown with its parallelism when that exceeds 1.
func jobCompletions(job *batchv1.Job) string {
	if job.Spec.Completions != nil {
		return fmt.Sprintf("%d/%d", job.Status.Succeeded, *job.Spec.Completions)
	}
	if p := job.Spec.Parallelism; p != nil && *p > 1 {
		return fmt.Sprintf("%d/1 of %d", job.Status.Succeeded, *p)
	}
	return fmt.Sprintf("%d/1", job.Status.Succeeded)
}

// jobDuration is how long the job ran, or has been running; blank before
// it starts.
func jobDuration(job *batchv1.Job, now time.Time) string {
	switch {
	case job.Status.StartTime == nil:
		return ""
	case job.Status.CompletionTime == nil:
		return duration.HumanDuration(now.Sub(job.Status.StartTime.Time))
	default:
		return duration.HumanDuration(job.Status.CompletionTime.Sub(job.Status.StartTime.Time))
	}
}

func cronJobRow(cj *batchv1.CronJob, now time.Time) []any {
	lastSchedule := "<none>"
	if cj.Status.LastScheduleTime != nil {
		lastSchedule = age(*cj.Status.LastScheduleTime, now)
	}
	timeZone := "<none>"
	if cj.Spec.TimeZone != nil {
		timeZone = *cj.Spec.TimeZone
	}
	// SUSPEND is typed boolean but kube-apiserver fills it with a string,
	// so that an unset value can show as <unset>.
	suspend := "<unset>"
	if cj.Spec.Suspend != nil {
		suspend = boolString(*cj.Spec.Suspend)
	}
	tmpl := &cj.Spec.JobTemplate.Spec
	names, images := containerCells(tmpl.Template.Spec.Containers)
	return []any{
		cj.Name,
		cj.Spec.Schedule,
		timeZone,
		suspend,
		int64(len(cj.Status.Active)),
		lastSchedule,
		age(cj.CreationTimestamp, now),
		names,
		images,
		metav1.FormatLabelSelector(tmpl.Selector),
	}
}

func boolString(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

from django.urls import path

from crm.activities import views

app_name = "activities"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("export/", views.ActivityExportView.as_view(), name="export"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/edit/", views.activity_edit, name="edit"),
    path("<int:pk>/complete/", views.activity_complete, name="complete"),
    path("<int:pk>/cancel/", views.activity_cancel, name="cancel"),
    path("<int:pk>/reopen/", views.activity_reopen, name="reopen"),
    path("<int:pk>/send/", views.activity_send, name="send"),
    path("<int:pk>/delete/", views.activity_delete, name="delete"),
    path("<int:pk>/calendar.ics", views.activity_ics, name="ics"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("new/<str:kind>/<str:regarding_type>/<int:pk>/", views.activity_create, name="create"),
    path("note/<str:regarding_type>/<int:pk>/", views.note_create, name="note_create"),
    path("timeline/<str:regarding_type>/<int:pk>/", views.timeline, name="timeline"),
]

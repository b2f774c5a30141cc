from django.urls import path

from . import views

# Included by sellers/urls/dashboard.py under /dashboard/blog/, in the "sellers" namespace.
urlpatterns = [
    path("", views.blog, name="blog"),
    path("new/", views.blog_edit, name="blog_new"),
    path("<int:pk>/", views.blog_edit, name="blog_edit"),
    path("<int:pk>/publish/", views.blog_publish, name="blog_publish"),
    path("<int:pk>/unpublish/", views.blog_unpublish, name="blog_unpublish"),
    path("<int:pk>/delete/", views.blog_delete, name="blog_delete"),
]

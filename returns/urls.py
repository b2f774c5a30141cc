
app_name = "returns"
urlpatterns: list = []

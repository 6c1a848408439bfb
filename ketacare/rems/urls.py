app_name = "rems"
urlpatterns: list = []

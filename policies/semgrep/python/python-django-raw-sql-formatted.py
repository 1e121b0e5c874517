from django.db.models.expressions import RawSQL

from shop.models import Product


def products_by_category(request):
    category = request.GET.get("category", "")
    # ruleid: python-django-raw-sql-formatted
    return Product.objects.raw("SELECT * FROM shop_product WHERE category = '%s'" % category)


def products_cheaper_than(limit):
    # ruleid: python-django-raw-sql-formatted
    return Product.objects.extra(where=[f"price < {limit}"])


def annotate_score(qs, weight):
    # ruleid: python-django-raw-sql-formatted
    return qs.annotate(score=RawSQL("rating * " + weight, []))


def products_by_category_safe(request):
    category = request.GET.get("category", "")
    # ok: python-django-raw-sql-formatted
    return Product.objects.raw("SELECT * FROM shop_product WHERE category = %s", [category])


def products_cheaper_than_safe(limit):
    # ok: python-django-raw-sql-formatted
    return Product.objects.extra(where=["price < %s"], params=[limit])


def annotate_score_safe(qs, weight):
    # ok: python-django-raw-sql-formatted
    return qs.annotate(score=RawSQL("rating * %s", [weight]))


def login(request):
    name = request.POST.get("name")
    sql_query = "SELECT * FROM app_login WHERE user = '" + name + "'"
    # ruleid: python-django-raw-sql-formatted
    return list(Product.objects.raw(sql_query))


def login_safe(request):
    name = request.POST.get("name")
    sql_query = "SELECT * FROM app_login WHERE user = %s"
    # ok: python-django-raw-sql-formatted
    return list(Product.objects.raw(sql_query, [name]))

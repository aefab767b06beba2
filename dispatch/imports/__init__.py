"""A utility's own customers, crews, vans and users, loaded from the files its systems export.

One runner serves the `import_people` command and the admin's upload page (through a Celery
task): read the file (CSV in UTF-8 or GBK/GB18030, or XLSX), refuse it whole if its columns are
wrong, clean every row, write what changed, and report every rejected row with its reason.
Crews, vans and users go through django-import-export resources row by row; customers, a
city's hundreds of thousands, through a staging table and COPY (see `customers.py`).
"""

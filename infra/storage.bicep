// Shared state for several instances (docs/instances.md): a storage account without shared keys, the container,
// the lifecycle rule that expires old state, and "Storage Blob Data Contributor" on the container for the
// App Service's user-assigned managed identity, which the bot uses through DefaultAzureCredential (STORAGE_ACCOUNT_URL,
// AZURE_CLIENT_ID). Assigning the role takes Owner or User Access Administrator on the resource group (docs/deploy.md).

@maxLength(24)
@minLength(3)
param storageAccountName string

param location string

param containerName string

@description('Principal (object) id of the managed identity that reads and writes the container')
param readerWriterPrincipalId string

// Built-in role "Storage Blob Data Contributor" (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage#storage-blob-data-contributor)
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false // no connection string, no SAS: Entra ID only
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: containerName
  properties: {
    publicAccess: 'None'
  }
}

// docs/instances.md, "Expiring old state: a lifecycle rule": state blobs 2 days after their last change; audit/ is kept.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          enabled: true
          name: 'bookings-bot-expired-state'
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: ['blockBlob']
              prefixMatch: [
                '${containerName}/pendingSignIn%2F'
                '${containerName}/msteams%2F'
                '${containerName}/cancel%2F'
                '${containerName}/graphTokens%2F'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: 2
                }
              }
            }
          }
        }
      ]
    }
  }
}

resource blobAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: container
  name: guid(container.id, readerWriterPrincipalId, storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: readerWriterPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output blobEndpoint string = account.properties.primaryEndpoints.blob

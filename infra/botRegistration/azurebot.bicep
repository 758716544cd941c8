// The Azure Bot resource: its Entra app, the Teams channel, and the OAuth connection Teams SSO exchanges tokens at.
// Follows the Agents Toolkit's bot registration module (botServices + MsTeamsChannel) and adds the connection as
// garrytrinder/msteams-bot-msgraph-azbot's infra/botRegistration/azurebot.bicep does (Azure AD v2 provider).

@maxLength(42)
param botDisplayName string

@description('Globally unique name of the bot resource')
param botServiceName string

param botServiceSku string = 'F0'

@description('The bot\'s Entra application (client) id = BOT_ID = MicrosoftAppId')
param botAadAppClientId string

@secure()
@description('local (F5) only: the app\'s client secret (SECRET_BOT_PASSWORD, from env/.env.local.user), for an "Azure Active Directory v2" connection. Empty for dev/prod, which have no secret')
param botAadAppClientSecret string = ''

@secure()
@description('dev/prod: the Unique Identifier of an "AAD v2 with Federated Credentials" connection (SECRET_OAUTH_CONNECTION_UNIQUE_ID); the app trusts the Token Service\'s assertions that end in it (scripts/federated-credentials.mjs). Empty: the secret connection')
param oauthConnectionUniqueId string = ''

@description('Tenant of the Entra app (written by aadApp/create)')
param botTenantId string

@allowed(['SingleTenant', 'MultiTenant'])
@description('Must match the Entra app\'s signInAudience: SingleTenant = AzureADMyOrg, MultiTenant = AzureADMultipleOrgs')
param microsoftAppType string = 'SingleTenant'

@description('Messaging endpoint, https://<host>/api/messages')
param messagingEndpoint string

@description('Name of the OAuth connection = OAUTH_CONNECTION_NAME')
param oauthConnectionName string

@description('The Entra app\'s Application ID URI, api://botid-<BOT_ID>: Token Exchange URL of the connection, and webApplicationInfo.resource of the Teams manifest')
param ssoResource string

resource botService 'Microsoft.BotService/botServices@2022-09-15' = {
  kind: 'azurebot'
  location: 'global'
  name: botServiceName
  sku: {
    name: botServiceSku
  }
  properties: {
    displayName: botDisplayName
    endpoint: messagingEndpoint
    msaAppId: botAadAppClientId
    msaAppType: microsoftAppType
    msaAppTenantId: microsoftAppType == 'SingleTenant' ? botTenantId : ''
  }
}

// Connect the bot service to Microsoft Teams
resource botServiceMsTeamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: botService
  location: 'global'
  name: 'MsTeamsChannel'
  properties: {
    channelName: 'MsTeamsChannel'
  }
}

// The connection's scope: the bot's own access_as_user, the resource named by the app's GUID. The Token Service asks
// Entra for it as the bot's app, i.e. a token for itself, which Entra serves "only if the resource that's specified
// is using the GUID-based application ID" (AADSTS90009, learn.microsoft.com/entra/identity-platform/reference-error-codes).
// By URI (api://botid-<id>/access_as_user, also the form of the Agents SDK docs' "exchangeable token" connection,
// microsoft/Agents docs/HowTo/azurebot-user-authentication-fic.md) sign-in passes and the renewal an hour later fails
// with AADSTS90009 (Softeria/ms-365-mcp-server#502, fixed by the GUID form in #508; damienbod/angular-auth-oidc-client#1844).
// The token is the bot's (aud = BOT_ID): the bot turns it into Graph tokens on behalf of the user (MSAL).
var connectionScopes = '${botAadAppClientId}/access_as_user'
var federated = !empty(oauthConnectionUniqueId)

// dev/prod: "AAD v2 with Federated Credentials" (Bot Framework docs, bot-builder-authentication-federated-credential.md;
// Agents SDK docs, azure-bot-user-authorization-federated-credentials): no client secret; the Token Service signs in
// as the app with an assertion Entra issues to it, subject /eid1/c/pub/t/<tenant>/a/<Token Store app>/<Unique Identifier>,
// which the app trusts as a federated identity credential. The provider's id and parameter names are what
// `az bot authsetting list-providers` (POST providers/Microsoft.BotService/listAuthServiceProviders) lists for it,
// as public templates use them; Microsoft's docs name the portal fields only.
var federatedConnection = {
  serviceProviderDisplayName: 'AAD v2 with Federated Credentials'
  serviceProviderId: 'c00b44ab-5e16-c44c-af26-2fd5bc55eb18'
  clientId: botAadAppClientId
  scopes: connectionScopes
  parameters: [
    {
      key: 'ClientId'
      value: botAadAppClientId
    }
    {
      key: 'UniqueIdentifier'
      value: oauthConnectionUniqueId
    }
    {
      key: 'TokenExchangeUrl'
      value: ssoResource
    }
    {
      key: 'TenantId'
      value: botTenantId
    }
  ]
}

// local (F5): "Azure Active Directory v2" with the app's client secret; Federated Credentials do not serve a bot
// that runs on a developer's machine (microsoft/Agents docs/HowTo/azurebot-create-fic.md).
var secretConnection = {
  serviceProviderDisplayName: 'Azure Active Directory v2'
  serviceProviderId: '30dd229c-58e3-4a48-bdfd-91ec48eb906c'
  clientId: botAadAppClientId
  clientSecret: botAadAppClientSecret
  scopes: connectionScopes
  parameters: [
    {
      key: 'tenantID'
      value: microsoftAppType == 'SingleTenant' ? botTenantId : 'common'
    }
    {
      key: 'tokenExchangeUrl'
      value: ssoResource
    }
  ]
}

// One resource whose properties are one of the two: two conditional resources of one name are what ARM has refused
// ("defined multiple times", Azure/bicep#7561) or deployed only the first of (Azure/bicep#11290).
resource botServiceSsoConnection 'Microsoft.BotService/botServices/connections@2022-09-15' = {
  parent: botService
  name: oauthConnectionName
  location: 'global'
  properties: federated ? federatedConnection : secretConnection
}

output botServiceName string = botService.name
output oauthConnectionName string = botServiceSsoConnection.name
